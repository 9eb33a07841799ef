import type { PhaseState, RunState } from '../run-states';
import { PhaseResponseDto } from './run-response.dto';

/** What every phase write answers: the phase as it is now, and where that left its run. */
export class PhaseWriteResponseDto extends PhaseResponseDto {
  message: string;
  run_state: RunState;
  /** The run's token use after this write. */
  run_tokens_used: number;
}

export class ResultRecordedDto {
  message: string;
  /** The id of the stored result. */
  id: string;
  run_id: string;
  phase_id: string;
  phase_state: PhaseState;
  run_state: RunState;
  run_tokens_used: number;
}

export class IssueRecordedDto {
  message: string;
  run_id: string;
  phase_id: string;
  issue_key: string;
  severity: string;
  /** Times this key has been recorded for this phase, this one included. */
  occurrence_count: number;
}

export class ErrorRecordedDto {
  message: string;
  id: string;
  run_id: string;
  /** How many secrets were removed before storage. */
  redaction_count: number;
}
