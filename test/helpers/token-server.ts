import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { rememberSecret } from './secrets';

export interface TokenRequest {
  authorization: string | undefined;
  form: URLSearchParams;
}

export interface TokenServer {
  url: string;
  /** Every request the server received, in order. */
  requests: TokenRequest[];
  /** What the next request gets back. */
  respond(status: number, body: unknown): void;
  /** Answer the next requests by hand (raw bytes, redirects, a body that never ends, …). */
  respondWith(answer: (res: ServerResponse) => void): void;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });

/** An OAuth token endpoint on loopback, answering whatever the test tells it to. */
export async function startTokenServer(): Promise<TokenServer> {
  const requests: TokenRequest[] = [];
  let next: { status: number; body: unknown } | ((res: ServerResponse) => void) = {
    status: 500,
    body: { error: 'not_configured' },
  };
  const server: Server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    requests.push({ authorization: req.headers.authorization, form });
    // What the app sends the provider is secret: the scan at the end of the run proves it was never logged.
    rememberSecret(form.get('client_secret') ?? undefined, form.get('refresh_token') ?? undefined);
    if (typeof next === 'function') return next(res);
    res.writeHead(next.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(next.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests,
    respond: (status, body) => {
      const tokens = (body ?? {}) as Record<string, unknown>;
      for (const field of ['access_token', 'refresh_token']) {
        if (typeof tokens[field] === 'string') rememberSecret(tokens[field]);
      }
      next = { status, body };
    },
    respondWith: (answer) => {
      next = answer;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
