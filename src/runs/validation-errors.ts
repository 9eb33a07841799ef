import { UnprocessableEntityException } from '@nestjs/common';
import type { ValidationDetailDto } from '../http/error-response.dto';

/**
 * A 422 for a body that is well-formed but wrong in a way only the service can see (a path/body
 * mismatch, a tier that is not in the request). Same `detail` shape as the global validation pipe.
 */
export function bodyInvalid(
  loc: Array<string | number>,
  msg: string,
  type = 'value_error',
): UnprocessableEntityException {
  const detail: ValidationDetailDto[] = [{ loc: ['body', ...loc], msg, type }];
  return new UnprocessableEntityException({
    message: `Request body failed validation (${loc.join('.')}: ${msg})`,
    detail,
  });
}

/** Path and body name the same run and phase, or the request is refused before anything is written. */
export function assertBodyMatchesPath(
  body: { run_id: string; phase_id: string },
  path: { runId: string; phaseId: string },
): void {
  if (body.run_id !== path.runId) {
    throw bodyInvalid(
      ['run_id'],
      `must equal the run_id in the path ("${path.runId}")`,
      'value_error.mismatch',
    );
  }
  if (body.phase_id !== path.phaseId) {
    throw bodyInvalid(
      ['phase_id'],
      `must equal the phase_id in the path ("${path.phaseId}")`,
      'value_error.mismatch',
    );
  }
}
