import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidationDetailDto } from './error-response.dto';
import { validationFailed } from './validation-errors';

class ValidationFailed extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('validation failed');
  }
}

/** class-validator constraint names → the short type names clients see. */
const TYPE_NAMES: Record<string, string> = { whitelistValidation: 'extra_forbidden', isDefined: 'missing' };

/** Flattens class-validator's tree into `{ loc, msg, type }` entries, one per broken constraint. */
export function toValidationDetail(
  errors: ValidationError[],
  prefix: Array<string | number>,
): ValidationDetailDto[] {
  return errors.flatMap((error) => {
    const loc = [...prefix, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const own = Object.entries(error.constraints ?? {}).map(([type, msg]) => ({
      loc,
      msg,
      type: TYPE_NAMES[type] ?? type,
    }));
    return [...own, ...toValidationDetail(error.children ?? [], loc)];
  });
}

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted, transform). A body that fails validation
 * is a 422 with `detail` (the executor wire format); query and path parameters are a 400.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailed(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      const where = metadata.type === 'custom' ? 'body' : metadata.type;
      const detail = toValidationDetail(error.errors, [where]);
      if (metadata.type === 'body') throw validationFailed(detail);
      const summary =
        detail.length > 0 ? `${detail[0].loc.slice(1).join('.')}: ${detail[0].msg}` : 'invalid input';
      throw new BadRequestException({ message: `Invalid ${where} parameter (${summary})`, detail });
    }
  }
}
