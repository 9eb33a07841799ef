import type { OpenAPIObject } from '@nestjs/swagger';
import type { AuthRequirement } from '../auth/auth.decorators';
import { RATE_LIMIT_MAX_PER_MINUTE, RATE_LIMIT_WINDOW_SECONDS } from '../rate-limit/rate-limits';

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
  if (isThrottled(op)) {
    out['429'] = 'Rate limit exceeded; see Retry-After';
    out['503'] = 'The shared rate-limit store (PostgreSQL) is unavailable; retry shortly';
  }
  out['500'] = 'Internal error: a bug, never an expected answer (the error envelope, nothing internal)';
  return out;
}

function isThrottled(op: Operation): boolean {
  return op['x-autopack-rate-limit'] !== 'none';
}

/** The headers @nestjs/throttler sends (src/rate-limit/principal-throttler.guard.ts), as documented. */
export const RATE_LIMIT_HEADERS = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
] as const;

/**
 * Statuses answered before the rate limiter runs, so they never carry its headers: the auth guard (401,
 * 403) runs before the throttler guard, the body parser (413, 415) before both; the throttler's own 429
 * carries only Retry-After.
 */
const BEFORE_THE_LIMITER = new Set(['401', '403', '413', '415', '429']);

const WHEN =
  'Sent on every 2xx of a rate-limited operation, and on its 4xx answered after the limiter counted the ' +
  'request (validation, not found, conflict); absent when the request was refused before it (credentials, ' +
  'unparseable body, an encoded NUL). The budget is the one that applies to this principal (else client IP) ' +
  'and route: a named budget (`x-autopack-rate-limit`) is shared by every route that carries it and by ' +
  'every replica; a route counted against several budgets reports the tightest.';

const seconds = { type: 'integer', format: 'int32', minimum: 0, maximum: RATE_LIMIT_WINDOW_SECONDS };

/** The rate-limit headers as reusable components (`#/components/headers/...`). */
export const RATE_LIMIT_HEADER_COMPONENTS = {
  'X-RateLimit-Limit': {
    description: `Requests allowed per ${RATE_LIMIT_WINDOW_SECONDS}-second window in this budget. ${WHEN}`,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: RATE_LIMIT_MAX_PER_MINUTE },
  },
  'X-RateLimit-Remaining': {
    description: `Requests left in the current window of this budget (0 once it is spent). ${WHEN}`,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: RATE_LIMIT_MAX_PER_MINUTE },
  },
  'X-RateLimit-Reset': {
    description: `Seconds until the current window of this budget ends and it is full again. ${WHEN}`,
    schema: seconds,
  },
  'Retry-After': {
    description: 'Seconds to wait before the budget admits this caller again (RFC 9110 §10.2.3).',
    required: true,
    schema: seconds,
  },
} as const;

/** Adds the rate-limit headers to the responses of a throttled operation that carry them. */
function documentRateLimitHeaders(op: Operation, responses: Record<string, unknown>): void {
  if (!isThrottled(op)) return;
  for (const [status, response] of Object.entries(responses)) {
    const r = response as { headers?: Record<string, unknown> };
    if (status === '429') {
      (r.headers ??= {})['Retry-After'] ??= { $ref: '#/components/headers/Retry-After' };
    } else if (/^[24]\d\d$/.test(status) && !BEFORE_THE_LIMITER.has(status)) {
      r.headers ??= {};
      for (const name of RATE_LIMIT_HEADERS) r.headers[name] ??= { $ref: `#/components/headers/${name}` };
    }
  }
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
      documentRateLimitHeaders(op, responses);
    }
  }
  const components = (document.components ??= {});
  components.headers = { ...components.headers, ...RATE_LIMIT_HEADER_COMPONENTS };
  return document;
}
