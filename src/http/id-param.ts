import { BadRequestException, Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ID_MAX_LENGTH, UUID_LENGTH } from './input-bounds';

/** A path id longer than its bound names nothing: 400 with `detail`, like any invalid path parameter. */
class BoundedIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly name: string,
    private readonly maxLength: number,
  ) {}

  transform(value: string): string {
    if (typeof value === 'string' && value.length >= 1 && value.length <= this.maxLength) return value;
    const msg = `must be 1 to ${this.maxLength} characters long`;
    throw new BadRequestException({
      message: `Invalid path parameter (${this.name}: ${msg})`,
      detail: [{ loc: ['path', this.name], msg, type: 'string_too_long' }],
    });
  }
}

/**
 * A path parameter holding an id, validated and documented in one line: at most `maxLength` characters
 * (400 beyond), and the same bound in the contract. Client-chosen ids (`run_id`, `phase_id`) take the
 * wire format's 255; server-made UUIDs are documented as such (`format: uuid`) and looked up as given, so
 * a malformed one stays the 404 it always was.
 */
export function IdParam(
  name: string,
  kind: 'client' | 'uuid' = 'client',
  ...pipes: PipeTransform[]
): ParameterDecorator {
  const maxLength = kind === 'uuid' ? UUID_LENGTH : ID_MAX_LENGTH;
  const schema =
    kind === 'uuid'
      ? { type: 'string' as const, minLength: 1, maxLength, format: 'uuid' }
      : { type: 'string' as const, minLength: 1, maxLength };
  return (target, key, index) => {
    Param(name, new BoundedIdPipe(name, maxLength), ...pipes)(target, key, index);
    const method = (target as Record<string | symbol, unknown>)[key!];
    ApiParam({ name, required: true, schema })(target, key!, { value: method });
  };
}
