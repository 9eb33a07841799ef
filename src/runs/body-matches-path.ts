import { bodyInvalid } from '../http/validation-errors';

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
