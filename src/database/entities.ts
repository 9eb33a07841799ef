import { RateLimitCounter } from '../rate-limit/rate-limit-counter.entity';

/** Every TypeORM entity of the app. A new entity is added here (and gets a migration). */
export const ENTITIES = [RateLimitCounter];
