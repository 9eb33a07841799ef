import { ApiProperty } from '@nestjs/swagger';
import { INT4_MAX } from './input-bounds';
import { REQUEST_ID_MAX_LENGTH } from './request-id';

/** One field-level validation problem, in the shape existing executor clients read (`detail`). */
export class ValidationDetailDto {
  /** Where the problem is: `["body", "run", "token_cap"]`, `["query", "limit"]`. */
  @ApiProperty({
    // Names and array indexes; the plugin alone would document `Array<string | number>` as objects.
    type: 'array',
    items: {
      oneOf: [{ type: 'string' }, { type: 'integer', format: 'int32', minimum: 0, maximum: INT4_MAX }],
    },
    description: 'Where the problem is: `["body", "run", "token_cap"]`, `["query", "limit"]`.',
  })
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599 })
  statusCode: number;
  /** The HTTP reason phrase of `statusCode`. */
  @ApiProperty({ maxLength: 64 })
  error: string;
  message: string;
  /** The caller's `X-Request-ID` when it is a safe token of at most 128 characters, else a new one. */
  @ApiProperty({ maxLength: REQUEST_ID_MAX_LENGTH })
  request_id: string;
  /** Present on validation failures (422 for bodies, 400 for query and path parameters). */
  detail?: ValidationDetailDto[];
}
