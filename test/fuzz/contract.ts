import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthRequirement } from '../../src/auth/auth.decorators';
import type { OpenApiDocument, Schema } from './openapi-arbitraries';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}

interface MediaTypes {
  content?: Record<string, { schema?: Schema }>;
}

export interface Operation {
  id: string;
  method: (typeof METHODS)[number];
  path: string;
  auth: AuthRequirement;
  parameters: Parameter[];
  body?: Schema;
  responses: Record<string, MediaTypes>;
}

/** docs/openapi.json as committed: the contract the fuzzer holds the app to (read at test time). */
export function loadContract(): OpenApiDocument {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
}

/** Every operation of the document, in path then method order. */
export function listOperations(doc: OpenApiDocument): Operation[] {
  return Object.keys(doc.paths)
    .sort()
    .flatMap((path) =>
      METHODS.filter((m) => doc.paths[path][m]).map((method) => {
        const op = doc.paths[path][method] as {
          operationId: string;
          parameters?: Parameter[];
          requestBody?: MediaTypes;
          responses: Record<string, MediaTypes>;
          'x-autopack-auth': AuthRequirement;
        };
        return {
          id: `${method.toUpperCase()} ${path}`,
          method,
          path,
          auth: op['x-autopack-auth'],
          parameters: op.parameters ?? [],
          body: op.requestBody?.content?.['application/json']?.schema,
          responses: op.responses,
        };
      }),
    );
}

/** OpenAPI 3.0: `nullable: true` admits null, also next to an `enum` (ajv only applies it to `type`). */
function nullableEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableEnums);
  if (value === null || typeof value !== 'object') return value;
  const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullableEnums(v)]));
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...out.enum, null];
  return out;
}

export interface ObservedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

/** Checks responses against the document: documented status, and a body matching the documented schema. */
export class ResponseChecker {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    // OpenAPI 3.0 schemas are JSON Schema plus a few keywords (nullable, example): ajv knows `nullable`,
    // strict:false lets the others pass. Refs resolve against the document registered as "openapi".
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(nullableEnums({ components: doc.components }) as object, 'openapi');
  }

  private validator(schema: Schema): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')));

      this.compiled.set(key, fn);
    }
    return fn;
  }

  /** The problems with `res` as an answer to `op` (empty when it conforms). */
  problems(op: Operation, res: ObservedResponse): string[] {
    const documented = op.responses[String(res.status)];
    if (!documented) {
      return [`status ${res.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
    }
    const out: string[] = [];
    const type = String(res.headers['content-type'] ?? '');
    const media = documented.content ?? {};
    if (/\bat [^ ]+ \(.*\.[jt]s:\d+/.test(res.text) && res.status >= 400) {
      out.push('error body looks like it carries a stack trace');
    }
    if (res.status >= 400) {
      const envelope = this.validator({ $ref: '#/components/schemas/ErrorResponseDto' });
      if (!type.startsWith('application/json') || !envelope(res.body)) {
        out.push(`error body is not the error envelope: ${this.ajv.errorsText(envelope.errors)}`);
      } else if ((res.body as { statusCode: number }).statusCode !== res.status) {
        out.push('error envelope statusCode differs from the HTTP status');
      }
    }
    if (type.startsWith('application/json') && media['application/json']?.schema) {
      const validate = this.validator(media['application/json'].schema);
      if (!validate(res.body))
        out.push(`body does not match its schema: ${this.ajv.errorsText(validate.errors)}`);
    } else if (Object.keys(media).length > 0 && res.text.length > 0) {
      const expected = Object.keys(media);
      if (!expected.some((m) => type.startsWith(m))) {
        out.push(`content-type ${type || '(none)'} is not one of ${expected.join(', ')}`);
      }
    }
    return out;
  }
}
