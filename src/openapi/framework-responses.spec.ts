import type { OpenAPIObject } from '@nestjs/swagger';
import { documentFrameworkResponses, frameworkResponses } from './framework-responses';

const codes = (op: Parameters<typeof frameworkResponses>[0]) => Object.keys(frameworkResponses(op)).sort();

describe('frameworkResponses', () => {
  it('a public, unthrottled operation without input gets only the 400 of an encoded NUL in its URL', () => {
    expect(codes({ 'x-autopack-auth': { mode: 'public' }, 'x-autopack-rate-limit': 'none' })).toEqual([
      '400',
      '500',
    ]);
    expect(frameworkResponses({ 'x-autopack-auth': { mode: 'public' } })['400']).toBe(
      'The URL holds an encoded NUL (%00)',
    );
  });

  it('a throttled public operation can be refused (429) or find the counter store down (503)', () => {
    expect(codes({ 'x-autopack-auth': { mode: 'public' } })).toEqual(['400', '429', '500', '503']);
  });

  it('a guarded operation with a body and a path parameter gets every status the machinery produces', () => {
    expect(
      codes({
        'x-autopack-auth': { mode: 'api_key', scope: 'runs:write' },
        parameters: [{ in: 'path' }],
        requestBody: {},
      }),
    ).toEqual(['400', '401', '403', '413', '415', '422', '429', '500', '503']);
  });

  it('a query parameter alone means 400, not 413/415/422', () => {
    expect(
      codes({
        'x-autopack-auth': { mode: 'user' },
        parameters: [{ in: 'query' }],
        'x-autopack-rate-limit': 'none',
      }),
    ).toEqual(['400', '401', '403', '500']);
  });

  it('documents the rate-limit headers where the limiter has counted the request, Retry-After on 429', () => {
    const document = {
      components: { schemas: { ErrorResponseDto: {} } },
      paths: {
        '/t': {
          post: {
            requestBody: {},
            responses: { '201': { description: 'ok' } },
            'x-autopack-auth': { mode: 'api_key' },
          },
        },
        '/n': { get: { responses: { '200': { description: 'ok' } }, 'x-autopack-rate-limit': 'none' } },
      },
    } as unknown as OpenAPIObject;
    const out = documentFrameworkResponses(document);
    const headers = (path: string, method: string, status: string) =>
      Object.keys(
        (out.paths[path] as Record<string, { responses: Record<string, { headers?: object }> }>)[method]
          .responses[status].headers ?? {},
      );
    const all = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
    expect(headers('/t', 'post', '201')).toEqual(all);
    expect(headers('/t', 'post', '422')).toEqual(all);
    expect(headers('/t', 'post', '400')).toEqual(all);
    for (const before of ['401', '403', '413', '415', '500', '503'])
      expect(headers('/t', 'post', before)).toEqual([]);
    expect(headers('/t', 'post', '429')).toEqual(['Retry-After']);
    expect(headers('/n', 'get', '200')).toEqual([]);
    expect(Object.keys(out.components!.headers!)).toEqual([...all, 'Retry-After']);
  });

  it('keeps a response the controller documented itself, and adds the envelope to the others', () => {
    const own = { description: 'Invalid credentials' };
    const document = {
      components: { schemas: { ErrorResponseDto: {} } },
      paths: {
        '/x': { post: { requestBody: {}, responses: { '422': own }, 'x-autopack-auth': { mode: 'public' } } },
      },
    } as unknown as OpenAPIObject;
    const responses = (
      documentFrameworkResponses(document).paths['/x'].post as { responses: Record<string, unknown> }
    ).responses;
    expect(responses['422']).toBe(own);
    expect(responses['413']).toEqual({
      description: 'Request body larger than AUTOPACK_BODY_LIMIT_BYTES',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
    });
  });
});

describe('documentFrameworkResponses and media types', () => {
  it('documents an error envelope as application/json even where the success is binary', () => {
    const envelope = { schema: { $ref: '#/components/schemas/ErrorResponseDto' } };
    const document = {
      components: { schemas: { ErrorResponseDto: {} } },
      paths: {
        '/f': {
          get: {
            responses: {
              '404': { description: 'x', content: { 'image/png': envelope, 'text/plain': envelope } },
            },
            'x-autopack-auth': { mode: 'public' },
            'x-autopack-rate-limit': 'none',
          },
        },
      },
    } as unknown as OpenAPIObject;
    const op = documentFrameworkResponses(document).paths['/f'].get as {
      responses: Record<string, { content: object }>;
    };
    expect(op.responses['404'].content).toEqual({ 'application/json': envelope });
  });
});
