import { applyDecorators, SetMetadata } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiExtension } from '@nestjs/swagger';
import { RATE_LIMITS, RateLimitName } from './rate-limits';

export const RATE_LIMIT_METADATA = 'autopack:rate-limit';

/**
 * Gives a route its own named budget from RATE_LIMITS (configurable per deployment). Its 429 and 503 are
 * documented, like every throttled route's, by src/openapi/framework-responses.ts.
 */
export const RateLimit = (name: RateLimitName) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_METADATA, name),
    ApiExtension('x-autopack-rate-limit', `${RATE_LIMITS[name].perMinute}/min (${RATE_LIMITS[name].env})`),
  );

/**
 * No rate limit. Only for probes that must answer even when the shared counter store (PostgreSQL) is
 * down — a limiter that needs the database would turn "database down" into an error instead of a report.
 */
export const NoRateLimit = () =>
  applyDecorators(SkipThrottle(), ApiExtension('x-autopack-rate-limit', 'none'));
