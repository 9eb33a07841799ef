import { BadRequestException, ConflictException } from '@nestjs/common';
import { validationFailed } from '../http/validation-errors';

/** Visible ASCII, as the IETF Idempotency-Key draft's examples; long enough for a UUID or a hash. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on a response that is the stored answer of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * The one rule for an Idempotency-Key header value, for the run writes and the external actions alike:
 * 400 when it is empty, repeated or not 1 to 255 visible ASCII characters.
 */
export function parseIdempotencyKey(value: string | string[]): string {
  if (Array.isArray(value)) throw new BadRequestException('Send one Idempotency-Key header, not several');
  if (value === '') throw new BadRequestException('The Idempotency-Key header is empty');
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  return value;
}

/** 409: another request with the same key has not finished (it holds the key's lock). */
export function idempotencyKeyInFlight(): ConflictException {
  return new ConflictException(
    'A request with this Idempotency-Key is still being processed; retry after it has finished',
  );
}

/** 422: the key was first used for another request (a different body, path or method). */
export function idempotencyKeyReused(what: string) {
  return validationFailed([
    {
      loc: ['header', IDEMPOTENCY_KEY_HEADER],
      msg: `was used with a different ${what}; use a new key for a new request`,
      type: 'value_error.idempotency_key_reused',
    },
  ]);
}
