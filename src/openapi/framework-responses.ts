import type { OpenAPIObject } from '@nestjs/swagger';
import type { AuthRequirement } from '../auth/auth.decorators';

const ERROR_SCHEMA = '#/components/schemas/ErrorResponseDto';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

interface Operation {
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  'x-autopack-auth'?: AuthRequirement;
  'x-autopack-rate-limit'?: string;
}

/**
 * The error responses an operation can get from the shared machinery before (or around) its handler,
 * derived from what the operation declares: its access rule (guard), its rate limit (throttler and its
 * PostgreSQL store), its body (JSON parser, size limit, ValidationPipe) and its query/path parameters
 * (ValidationPipe), and the URL check every request passes (an encoded NUL). The one place that documents them, so the contract lists every status a client can
 * really see; a response a controller documents itself (with its own wording) is kept as it is.
 */
export function frameworkResponses(op: Operation): Record<string, string> {
  const out: Record<string, string> = {};
  const auth = op['x-autopack-auth'];
  const hasBody = op.requestBody !== undefined;
  const hasParams = (op.parameters ?? []).some((p) => p.in === 'query' || p.in === 'path');

  // Every URL holding an encoded NUL is refused before routing (src/http/), so every operation has a 400.
  const nul = 'an encoded NUL (%00) in the URL';
  if (hasBody) {
    out['400'] =
      `Malformed JSON body${hasParams ? ', an invalid query or path parameter (`detail` says which)' : ''}, or ${nul}`;
  } else if (hasParams) {
    out['400'] = `Invalid query or path parameter (\`detail\` says which), or ${nul}`;
  } else {
    out['400'] = `The URL holds an encoded NUL (%00)`;
  }
  if (auth && auth.mode !== 'public') {
    out['401'] = 'Missing or invalid credentials';
    out['403'] = 'Authenticated but not allowed';
  }
  if (hasBody) {
    out['413'] = 'Request body larger than AUTOPACK_BODY_LIMIT_BYTES';
    out['415'] = 'Unsupported Content-Encoding or charset';
    out['422'] = 'Request body failed validation (`detail` lists each problem; unknown fields are refused)';
  }
  if (op['x-autopack-rate-limit'] !== 'none') {
    out['429'] = 'Rate limit exceeded; see Retry-After';
    out['503'] = 'The shared rate-limit store (PostgreSQL) is unavailable; retry shortly';
  }
  return out;
}

/**
 * Adds frameworkResponses to every operation of the document (in place), with the error envelope, and
 * documents every error envelope as application/json (an `@ApiProduces` for a handler's success must not
 * relabel its errors).
 */
export function documentFrameworkResponses(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  if (!('ErrorResponseDto' in schemas)) throw new Error('ErrorResponseDto is missing from the document');
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const responses = (op.responses ??= {});
      // The envelope is always JSON (sendError), whatever media types the handler's success produces.
      for (const [status, response] of Object.entries(responses)) {
        const r = response as { content?: Record<string, { schema?: { $ref?: string } }> };
        const schemas = Object.values(r.content ?? {});
        if (
          Number(status) >= 400 &&
          schemas.length > 0 &&
          schemas.every((m) => m.schema?.$ref === ERROR_SCHEMA)
        ) {
          r.content = { 'application/json': { schema: { $ref: ERROR_SCHEMA } } };
        }
      }
      for (const [status, description] of Object.entries(frameworkResponses(op))) {
        responses[status] ??= {
          description,
          content: { 'application/json': { schema: { $ref: ERROR_SCHEMA } } },
        };
      }
    }
  }
  return document;
}
