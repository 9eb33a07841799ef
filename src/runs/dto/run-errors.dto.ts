import { KeysetListFieldsDto } from '../../http/page-query.dto';

export class ErrorReportResponseDto {
  id: string;
  run_id: string;
  phase_id: string | null;
  error_type: string;
  /** As stored: secrets replaced by `[REDACTED]`. */
  message: string;
  context: Record<string, unknown>;
  redaction_count: number;
  created_at: string;
}

export class RunErrorListDto extends KeysetListFieldsDto {
  run_id: string;
  errors: ErrorReportResponseDto[];
}

export class RunErrorSummaryDto {
  run_id: string;
  total_errors: number;
  by_type: Record<string, number>;
  by_phase: Record<string, number>;
  first_error_at: string | null;
  last_error_at: string | null;
}
