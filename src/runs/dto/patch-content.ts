import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { DEFAULT_MAX_PATCH_BYTES } from '../../http/input-bounds';

/**
 * A patch: any text, bounded in UTF-8 bytes by AUTOPACK_MAX_PATCH_BYTES, which the service checks (413,
 * like a body over its limit). The contract states the default, in characters of ASCII text.
 */
export const PatchContent = () =>
  applyDecorators(
    IsString(),
    ApiProperty({
      maxLength: DEFAULT_MAX_PATCH_BYTES,
      description: `At most AUTOPACK_MAX_PATCH_BYTES UTF-8 bytes (default ${DEFAULT_MAX_PATCH_BYTES}); larger is 413.`,
    }),
  );
