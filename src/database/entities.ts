import { AuditChainHead } from '../audit/entities/audit-chain-head.entity';
import { AuditEvent } from '../audit/entities/audit-event.entity';
import { RateLimitCounter } from '../rate-limit/rate-limit-counter.entity';

/** Every TypeORM entity of the app. A new entity is added here (and gets a migration). */
export const ENTITIES = [RateLimitCounter, AuditEvent, AuditChainHead];
