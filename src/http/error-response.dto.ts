import { ApiProperty } from '@nestjs/swagger';

/** One field-level validation problem, in the shape existing executor clients read (`detail`). */
export class ValidationDetailDto {
  /** Where the problem is: `["body", "run", "token_cap"]`, `["query", "limit"]`. */
  @ApiProperty({
    // Names and array indexes; the plugin alone would document `Array<string | number>` as objects.
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    description: 'Where the problem is: `["body", "run", "token_cap"]`, `["query", "limit"]`.',
  })
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** The body of every error response. */
export class ErrorResponseDto {
  statusCode: number;
  error: string;
  message: string;
  request_id: string;
  /** Present on validation failures (422 for bodies, 400 for query and path parameters). */
  detail?: ValidationDetailDto[];
}
