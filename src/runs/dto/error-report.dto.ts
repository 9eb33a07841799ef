import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { BoundedJson } from '../../http/bounded-json';
import { ID_MAX_LENGTH, TEXT_MAX_LENGTH } from './limits';

/** `POST /runs/{run_id}/errors`: an executor reports an error. Redacted of secrets before storage. */
export class ErrorReportDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  error_type: string;

  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  message: string;

  /** The phase the error happened in, when there was one; must be a phase of the run. */
  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  phase_id?: string | null;

  @IsOptional()
  @BoundedJson('What the executor knew when it failed; redacted of secrets before storage.')
  context?: Record<string, unknown> = {};
}
