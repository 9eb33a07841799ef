import { Allow, IsIn, IsOptional } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { PATH_MAX_LENGTH } from '../../http/input-bounds';

export class ArtifactFileQueryDto {
  /**
   * The artifact's path relative to the run directory, `/`-separated (as listed by the index). Refused
   * with one generic 400 when empty, absolute, holding a drive letter, a backslash, a NUL or other control
   * character, or an empty, `.` or `..` segment in any percent-decoded or NFKC-normalised form.
   */
  // Checked by the service, so that every refused path gets the same message.
  @Allow()
  @ApiProperty({ type: String, required: true, example: 'logs/build.log', maxLength: PATH_MAX_LENGTH })
  path?: unknown;

  /** `true` redacts secrets even where redaction is not on by default; `false` never turns it off. */
  @IsOptional()
  @IsIn(['true', 'false'])
  redact?: 'true' | 'false';
}
