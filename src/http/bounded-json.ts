import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsObject, ValidateBy } from 'class-validator';
import { FREE_FORM } from './input-bounds';

/** Why a free-form JSON value is too big, or undefined when it fits FREE_FORM. Iterative: cannot overflow. */
export function freeFormProblem(value: unknown): string | undefined {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > FREE_FORM.maxDepth) return `must not be nested more than ${FREE_FORM.maxDepth} levels deep`;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (Array.isArray(node) && node.length > FREE_FORM.maxItems) {
      return `must not hold an array of more than ${FREE_FORM.maxItems} entries`;
    }
    if (!Array.isArray(node) && children.length > FREE_FORM.maxProperties) {
      return `must not hold an object of more than ${FREE_FORM.maxProperties} members`;
    }
    for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  if (Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') > FREE_FORM.maxBytes) {
    return `must not be larger than ${FREE_FORM.maxBytes} bytes as JSON`;
  }
  return undefined;
}

/** The bound as the contract states it: `maxProperties` for tools, the rest as `x-autopack-*` and prose. */
export const FREE_FORM_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  maxProperties: FREE_FORM.maxProperties,
  'x-autopack-max-bytes': FREE_FORM.maxBytes,
  'x-autopack-max-depth': FREE_FORM.maxDepth,
  'x-autopack-max-items': FREE_FORM.maxItems,
} as const;

const BOUND_TEXT =
  `Free-form JSON object, bounded: at most ${FREE_FORM.maxProperties} members per object and ` +
  `${FREE_FORM.maxItems} entries per array at any depth, ${FREE_FORM.maxDepth} levels of nesting and ` +
  `${FREE_FORM.maxBytes} bytes as JSON (422 beyond).`;

/**
 * A free-form JSON object a client sends (action payload, `decision_info`, `scope`, `context`): refused
 * with a 422 beyond the FREE_FORM bounds, and documented with them. `description` says what it is for.
 */
export const BoundedJson = (description: string, options: { nullable?: boolean } = {}) =>
  applyDecorators(
    IsObject(),
    ValidateBy({
      name: 'boundedJson',
      validator: {
        validate: (value: unknown) => freeFormProblem(value) === undefined,
        defaultMessage: (args) => `${args?.property} ${freeFormProblem(args?.value) ?? 'is too large'}`,
      },
    }),
    ApiProperty({
      ...FREE_FORM_SCHEMA,
      nullable: options.nullable,
      description: `${description} ${BOUND_TEXT}`,
    }),
  );
