import { ApiProperty } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { RUN_CONFLICT_CODES } from '../run-states';
import type { RunConflictCode } from '../run-states';

/** A 409 about a run's state, with a machine-readable `code` (clients switch on it, not on the text). */
export class RunConflictDto extends ErrorResponseDto {
  @ApiProperty({ enum: RUN_CONFLICT_CODES, enumName: 'RunConflictCode', required: false })
  code?: RunConflictCode;
}
