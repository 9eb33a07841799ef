import { ApiProperty } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { UUID_LENGTH } from '../../http/input-bounds';
import { BoundedJson } from '../../http/bounded-json';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { KeysetListFieldsDto, PageQueryDto } from '../../http/page-query.dto';
import { ACTION_CONFLICT_REASONS, CLAIM_DENIAL_REASONS } from '../action-reasons';
import type { ActionConflictReason, ClaimDenialReason } from '../action-reasons';
import { ACTION_TIERS } from '../external-actions-policy';
import type { ActionTier } from '../external-actions-policy';
import { ACTION_STATUSES } from '../external-action.entity';
import type { ActionStatus } from '../external-action.entity';

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const NAME_MAX = 64;
const HASH = /^[0-9a-f]{64}$/;
const HASH_LENGTH = 64;
/** $10M in cents: beyond any plausible action, small enough for exact arithmetic. */
export const MAX_SPEND_CENTS = 1_000_000_000;

/** `POST /external-actions`: what an executor proposes. The server computes the payload hash. */
export class ProposeActionDto {
  /** The provider, as named in the policy (`etsy`, `shopify`, `youtube`, `broker`). */
  @IsString()
  @MaxLength(NAME_MAX)
  @Matches(NAME, { message: 'provider must be lowercase letters, digits, _ and - (at most 64)' })
  provider: string;

  /** The operation (`create_listing`, `publish_video`, `place_order`, …). */
  @IsString()
  @MaxLength(NAME_MAX)
  @Matches(NAME, { message: 'action must be lowercase letters, digits, _ and - (at most 64)' })
  action: string;

  @BoundedJson('Exactly what will be executed; any JSON object. Its RFC 8785 canonical form is hashed.')
  payload: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  run_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  phase_id?: string;

  /** Non-secret, human-readable: what a reviewer reads. */
  @IsString()
  @Length(1, 500)
  summary: string;

  /** Channel, account or store identifier. */
  @IsString()
  @Length(1, 255)
  external_target: string;

  @IsInt()
  @Min(0)
  @Max(MAX_SPEND_CENTS)
  estimated_spend_cents: number;
}

/** Approve or reject: the body names the payload hash the human reviewed. */
export class ReviewActionDto {
  @IsString()
  @MaxLength(HASH_LENGTH)
  @Matches(HASH, { message: 'payload_hash must be 64 lowercase hex digits' })
  payload_hash: string;

  /** Why (optional for approvals). */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

/** `POST /external-actions/{id}/claim`: the hash of the payload the executor is about to execute. */
export class ClaimActionDto {
  @IsString()
  @MaxLength(HASH_LENGTH)
  @Matches(HASH, { message: 'payload_hash must be 64 lowercase hex digits' })
  payload_hash: string;
}

export class OutcomeDto {
  @IsUUID()
  @MaxLength(UUID_LENGTH)
  attempt_id: string;

  @IsIn(['success', 'failure'])
  result_status: 'success' | 'failure';

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 255)
  external_object_id?: string | null;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 100)
  error_code?: string | null;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 1000)
  error_summary?: string | null;

  @IsInt()
  @Min(0)
  @Max(MAX_SPEND_CENTS)
  actual_spend_cents: number;
}

/** An operator's verdict on an OUTCOME_UNKNOWN action, after checking the provider. */
export class ReconcileDto {
  @IsIn(['success', 'failure'])
  result_status: 'success' | 'failure';

  @IsOptional()
  @IsString()
  @Length(1, 255)
  external_object_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  error_code?: string;

  @IsOptional()
  @IsString()
  @Length(1, 1000)
  error_summary?: string;

  @IsInt()
  @Min(0)
  @Max(MAX_SPEND_CENTS)
  actual_spend_cents: number;

  @IsString()
  @Length(1, 500)
  reason: string;
}

export class CancelDto {
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class ActionListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(ACTION_STATUSES)
  status?: ActionStatus;

  @IsOptional()
  @MaxLength(NAME_MAX)
  @Matches(NAME)
  provider?: string;

  @IsOptional()
  @MaxLength(NAME_MAX)
  @Matches(NAME)
  action?: string;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  run_id?: string;

  @IsOptional()
  @IsIn(ACTION_TIERS)
  tier?: ActionTier;
}

export class ActionApprovalDto {
  by: string;
  name: string;
  at: string;
  payload_hash: string;
}

export class ExternalActionDto {
  id: string;
  provider: string;
  action: string;
  tier: ActionTier;
  /** `policy`, or `unclassified` (Tier C by default; never executable). */
  classification: 'policy' | 'unclassified';
  kill_switch: string | null;
  approvals_required: number;
  max_retries: number;
  status: ActionStatus;
  proposed_by: string;
  idempotency_key: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: unknown;
  payload_hash: string;
  approved_payload_hash: string | null;
  summary: string;
  external_target: string;
  estimated_spend_cents: number;
  actual_spend_cents: number | null;
  run_id: string | null;
  phase_id: string | null;
  approvals: ActionApprovalDto[];
  approved_at: string | null;
  approval_expires_at: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  attempt_count: number;
  attempt_id: string | null;
  lease_expires_at: string | null;
  execution_mode: 'live' | 'dry_run' | null;
  external_object_id: string | null;
  result_status: 'success' | 'failure' | null;
  error_code: string | null;
  error_summary: string | null;
  created_at: string;
  updated_at: string;
  executed_at: string | null;
  completed_at: string | null;
}

export class ActionListDto extends KeysetListFieldsDto {
  actions: ExternalActionDto[];
}

export class ActionHistoryEventDto {
  position: number;
  occurred_at: string;
  event_type: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: unknown;
}

/** `GET /external-actions/{id}/previous-approved`: the baseline a reviewer diffs the payload against. */
export class PreviousApprovedDto {
  /** The most recently approved other action of the same provider and action you may see, or null. */
  previous: ExternalActionDto | null;
}

export class ActionWithHistoryDto extends ExternalActionDto {
  /** Every audit event about this action, oldest first. */
  history: ActionHistoryEventDto[];
}

export class ClaimGrantedDto {
  granted: true;
  /** `dry_run`: do NOT perform the side effect; the action is already final (DRY_RUN). */
  mode: 'live' | 'dry_run';
  attempt_id: string;
  /** Null for a dry run (nothing to report back). */
  lease_expires_at: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: unknown;
  payload_hash: string;
  action: ExternalActionDto;
}

export class KillSwitchesDto {
  /** Every switch by its environment variable; `AUTOPACK_SIDE_EFFECTS_DRY_RUN: true` means dry-run is on. */
  switches: Record<string, boolean>;
  max_daily_spend_cents: number;
  max_actions_per_day: number;
  /** The current UTC day and what its granted claims reserved. */
  day: string;
  spent_cents: number;
  actions: number;
}

export class RunActionsExportDto {
  run_id: string;
  exported_at: string;
  actions: ActionWithHistoryDto[];
}

/** 409 of a claim: the claim is denied, and `reason` says why (docs/EXTERNAL_ACTIONS.md, "Claim"). */
export class ClaimDeniedDto extends ErrorResponseDto {
  @ApiProperty({ enum: CLAIM_DENIAL_REASONS, enumName: 'ClaimDenialReason' })
  reason: ClaimDenialReason;

  @ApiProperty({ enum: [false] })
  granted: false;
}

/** 409 of a review or an outcome report; `reason` is present when a client can act on it. */
export class ActionConflictDto extends ErrorResponseDto {
  @ApiProperty({ enum: ACTION_CONFLICT_REASONS, enumName: 'ActionConflictReason', required: false })
  reason?: ActionConflictReason;
}
