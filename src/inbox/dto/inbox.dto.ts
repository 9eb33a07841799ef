import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { ID_MAX_LENGTH } from '../../http/input-bounds';
import { CursorQuery } from '../../http/page-query.dto';
import { QueryInteger } from '../../http/query-integer';
import { INBOX_KINDS, INBOX_REFUSALS } from '../inbox-kinds';
import type { InboxKind, InboxRefusalReason } from '../inbox-kinds';

export const INBOX_MAX_LIMIT = 100;

/** `GET /inbox`: filters, and a keyset page (newest first). */
export class InboxQueryDto {
  @IsOptional()
  @IsIn(INBOX_KINDS)
  kind?: InboxKind;

  @IsOptional()
  @IsString()
  @Length(1, ID_MAX_LENGTH)
  run_id?: string;

  /** At most this many items, newest first (1–100, default 50). */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(INBOX_MAX_LIMIT)
  limit?: number = 50;

  @CursorQuery()
  cursor?: string;
}

/** One decision waiting for a human. */
export class InboxItemDto {
  @ApiProperty({ enum: INBOX_KINDS })
  kind: InboxKind;
  /** The request's id: `approval_id`, `request_id` or the action's `id`. */
  id: string;
  run_id: string | null;
  phase_id: string | null;
  /** One line for the list: the action's summary, the approval's context, the governance reason. */
  summary: string;
  /** Who asked (`apikey:<uuid>`, `apikey:instance`, `user:<uuid>`). */
  requested_by: string;
  created_at: string;
  /** When it stops being decidable (requests time out; a PENDING action has no expiry: null). */
  expires_at: string | null;
  /** Approvals it needs in all (external actions may need two people) and has so far. */
  approvals_required: number;
  approvals: number;
  /** External actions only: provider, action and tier (null otherwise). */
  provider: string | null;
  action: string | null;
  tier: string | null;
  /** External actions only: the hash of the current payload, which a reject (or approve) must quote. */
  payload_hash: string | null;
  /** Whether you may approve it now; when not, `reason` says why (the decision rules' own answer). */
  may_decide: boolean;
  @ApiProperty({ enum: INBOX_REFUSALS, nullable: true, type: String })
  reason: InboxRefusalReason | null;
  reason_message: string | null;
}

export class InboxDto {
  items: InboxItemDto[];
  /**
   * How many items match the filters, over all pages: each kind counted up to 10,000 (constant cost); when
   * a kind has more, `total_exact` is false and `total` a lower bound.
   */
  total: number;
  total_exact: boolean;
  limit: number;
  /** Pass as `cursor` for the next page (same cost as the first); null on the last page. */
  next_cursor: string | null;
}
