import { RateLimitCounter } from '../rate-limit/rate-limit-counter.entity';
import { RUN_ENTITIES } from '../runs/entities';

/** Every TypeORM entity of the app. A new entity is added here (and gets a migration). */
export const ENTITIES = [RateLimitCounter, ...RUN_ENTITIES];
