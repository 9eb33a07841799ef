import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { forbiddenAddressProblem } from './address-rules';

/** Marks a connection refused because the host resolved to a forbidden address. */
const FORBIDDEN_ADDRESS = 'ERR_AUTOPACK_FORBIDDEN_ADDRESS';

/** Why an outbound request got no usable answer, on our side of the exchange. */
export type OutboundFailure = 'timeout' | 'network_error' | 'forbidden_address' | 'response_too_large';

export interface OutboundRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** One deadline for the whole exchange: connect, send, and read the answer. */
  timeoutMs: number;
  /** The answer is read up to this many bytes, then dropped. */
  maxResponseBytes: number;
  /** Production refuses loopback and private addresses too (address-rules.ts). */
  isProduction: boolean;
}

export type OutboundResponse =
  | { ok: true; status: number; headers: IncomingHttpHeaders; text: string }
  | { ok: false; error: OutboundFailure };

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * dns.lookup that refuses every answer holding a forbidden address (no partial use of a mixed answer):
 * the connect-time half of the SSRF rules, so a name that resolves to a metadata or (in production) an
 * internal address is never connected to.
 */
export function checkedLookup(isProduction: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const forbidden = addresses.find((a) => forbiddenAddressProblem(a.address, isProduction));
      if (forbidden) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a forbidden address`);
        refused.code = FORBIDDEN_ADDRESS;
        return callback(refused, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * THE way the app sends a request to a URL someone configured (provider token endpoints, webhooks): one
 * deadline, addresses checked at connect time, redirects never followed (a 3xx is just an answer), the
 * answer read up to a cap. Failures are reduced to a short code; nothing of a body is kept on failure.
 */
export function sendBounded(request: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundResponse>((resolve) => {
    let settled = false;
    const finish = (result: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outgoing.destroy();
      resolve(result);
    };
    const deadline = setTimeout(() => finish({ ok: false, error: 'timeout' }), request.timeoutMs);
    const outgoing = send(
      url,
      {
        method: request.method,
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        lookup: checkedLookup(request.isProduction),
      },
      (response) =>
        readBounded(
          response,
          request.maxResponseBytes,
          (text) =>
            finish(
              text === null
                ? { ok: false, error: 'response_too_large' }
                : { ok: true, status: response.statusCode ?? 0, headers: response.headers, text },
            ),
          () => finish({ ok: false, error: 'network_error' }),
        ),
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, error: error.code === FORBIDDEN_ADDRESS ? 'forbidden_address' : 'network_error' }),
    );
    outgoing.end(request.body);
  });
}

/**
 * Hands over the body as text, or null as soon as it passes the size cap (the rest is not read). Called
 * before the response is destroyed, so the cap, not the reset it causes, is what gets reported.
 */
function readBounded(
  response: IncomingMessage,
  maxBytes: number,
  done: (text: string | null) => void,
  failed: () => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      done(null);
      response.destroy();
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  // A connection dropped mid-body: the body is incomplete, so none of it is used.
  response.on('error', failed);
  response.on('aborted', failed);
}
