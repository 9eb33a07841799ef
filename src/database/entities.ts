import { TokenSavingsEvent } from '../dashboard/entities/token-savings-event.entity';
import { HumanNote } from '../dashboard/entities/human-note.entity';
import { LlmUsageEvent } from '../dashboard/entities/llm-usage-event.entity';
import { ModelOverride } from '../dashboard/entities/model-override.entity';
import { ApprovalRequest } from '../governance/entities/approval-request.entity';
import { GovernanceRequest } from '../governance/entities/governance-request.entity';
import { ApiKeyRecord } from '../auth/api-keys/api-key.entity';
import { OAuthCredentialEvent } from '../provider-credentials/oauth-credential-event.entity';
import { OAuthCredential } from '../provider-credentials/oauth-credential.entity';
import { RefreshToken } from '../auth/sessions/refresh-token.entity';
import { Session } from '../auth/sessions/session.entity';
import { PasswordToken } from '../auth/users/password-token.entity';
import { User } from '../auth/users/user.entity';
import { AuditChainHead } from '../audit/entities/audit-chain-head.entity';
import { AuditEvent } from '../audit/entities/audit-event.entity';
import { EXTERNAL_ACTION_ENTITIES } from '../external-actions/external-action.entity';
import { IdempotencyKeyRecord } from '../idempotency/idempotency-key.entity';
import { RateLimitCounter } from '../rate-limit/rate-limit-counter.entity';
import { RUN_ENTITIES } from '../runs/entities';
import { EventLogHorizon, EventRecord } from '../events/event.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity';
import { StreamTicket } from '../auth/stream-tickets/stream-ticket.entity';

/** Every TypeORM entity of the app. A new entity is added here (and gets a migration). */
export const ENTITIES = [
  RateLimitCounter,
  User,
  Session,
  RefreshToken,
  PasswordToken,
  ApiKeyRecord,
  OAuthCredential,
  OAuthCredentialEvent,
  AuditEvent,
  AuditChainHead,
  ApprovalRequest,
  GovernanceRequest,
  LlmUsageEvent,
  ModelOverride,
  HumanNote,
  TokenSavingsEvent,
  EventRecord,
  EventLogHorizon,
  StreamTicket,
  WebhookEndpoint,
  WebhookDelivery,
  IdempotencyKeyRecord,
  ...RUN_ENTITIES,
  ...EXTERNAL_ACTION_ENTITIES,
];
