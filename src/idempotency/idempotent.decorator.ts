import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Marks an executor write as retry-safe under an optional `Idempotency-Key` (IdempotencyInterceptor).
 * The route's service must run its write through `idempotentTransaction`, which stores the response.
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Optional, 1–255 visible ASCII characters, scoped to the caller. A retry with the same key and ' +
        'body answers the stored response again (`Idempotent-Replayed: true`) and writes nothing; the ' +
        'same key with another body is a 422; while the first request is still running, a 409. Keys ' +
        'expire after AUTOPACK_IDEMPOTENCY_KEY_TTL_HOURS.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
  );
