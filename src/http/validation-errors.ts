import { BadRequestException, UnprocessableEntityException } from '@nestjs/common';
import type { ValidationDetailDto } from './error-response.dto';

/**
 * THE way a 422 is built: the executor wire format (docs/WIRE_FORMAT.md) reads `detail`, a list of
 * `{ loc, msg, type }`, from every 422, so every 422 carries one — from the global validation pipe and
 * from services alike. The message names the first problem.
 */
export function validationFailed(detail: ValidationDetailDto[]): UnprocessableEntityException {
  const first = detail[0];
  const where = first?.loc.slice(1).join('.');
  const summary = first ? `${where ? `${where}: ` : ''}${first.msg}` : 'invalid input';
  const part = first === undefined || first.loc[0] === 'body' ? 'body' : String(first.loc[0]);
  return new UnprocessableEntityException({
    message: `Request ${part} failed validation (${summary})`,
    detail,
  });
}

/**
 * A 422 for a body that is well-formed but wrong in a way only the service can see (a path/body
 * mismatch, a tier that is not in the request). Same `detail` shape as the global validation pipe.
 */
export function bodyInvalid(
  loc: Array<string | number>,
  msg: string,
  type = 'value_error',
): UnprocessableEntityException {
  return validationFailed([{ loc: ['body', ...loc], msg, type }]);
}

/**
 * A 400 for a query parameter that is well-formed but wrong in a way only the service can see (a cursor
 * this API did not make, two parameters that exclude each other). Same shape as the validation pipe's 400.
 */
export function queryInvalid(
  loc: Array<string | number>,
  msg: string,
  type = 'value_error',
): BadRequestException {
  return new BadRequestException({
    message: `Invalid query parameter (${loc.join('.')}: ${msg})`,
    detail: [{ loc: ['query', ...loc], msg, type }],
  });
}
