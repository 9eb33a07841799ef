import {
  BadRequestException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';

const NUL = '\u0000';

/** The path to the first string holding a NUL character, or null. */
function findNul(value: unknown, path: Array<string | number> = []): Array<string | number> | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes(NUL)) return [...path, key];
      const found = findNul(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL cannot store a NUL character in `text` or `jsonb`; valid JSON can carry one (`\u0000`).
 * Refused here as bad input instead of failing as a database error (a 500): in a body it is a 422 naming
 * the field, in a path it names no run or phase (404), in a query it is a 400.
 */
@Injectable()
export class RejectNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const path = findNul(value);
    if (!path) return value;
    if (metadata.type === 'param')
      throw new NotFoundException('No such resource (the path holds a NUL character)');
    const loc =
      metadata.type === 'body'
        ? ['body', ...path]
        : [metadata.type, ...(metadata.data ? [metadata.data] : []), ...path];
    const detail = [{ loc, msg: 'must not contain NUL characters', type: 'value_error.nul' }];
    const message = `${loc.slice(1).join('.')}: must not contain NUL characters`;
    if (metadata.type === 'body') {
      throw new UnprocessableEntityException({
        message: `Request body failed validation (${message})`,
        detail,
      });
    }
    throw new BadRequestException({ message: `Invalid ${metadata.type} parameter (${message})`, detail });
  }
}
