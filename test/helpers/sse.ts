import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';

export interface SseMessage {
  id?: string;
  event?: string;
  data: Record<string, unknown> & { cursor?: string; type?: string; run_id?: string | null };
}

export interface SseClient {
  status: number;
  headers: IncomingMessage['headers'];
  messages: SseMessage[];
  comments: string[];
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** Waits until `predicate` holds over the messages received so far (rejects after `ms`). */
  waitFor(predicate: (messages: SseMessage[]) => boolean, ms?: number, what?: string): Promise<SseMessage[]>;
  waitForComment(text: string, ms?: number): Promise<void>;
  /** The body, when the answer was not a stream (an error). */
  body(): Promise<string>;
  close(): void;
}

/**
 * A real text/event-stream client over a real socket (what EventSource does), parsing `id:`, `event:`,
 * `data:` and comment lines as they arrive.
 */
export function openSse(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    let req: ClientRequest;
    // eslint-disable-next-line prefer-const
    req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      res.setEncoding('utf8');
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      });
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: Partial<SseMessage> & { dataLines: string[] } = { dataLines: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id:')) message.id = line.slice(3).trim();
            else if (line.startsWith('event:')) message.event = line.slice(6).trim();
            else if (line.startsWith('data:')) message.dataLines.push(line.slice(5).trim());
          }
          if (message.dataLines.length > 0) {
            messages.push({
              id: message.id,
              event: message.event,
              data: JSON.parse(message.dataLines.join('\n')) as SseMessage['data'],
            });
          }
          for (const wake of [...waiters]) wake();
        }
      });
      const waitFor = (predicate: (m: SseMessage[]) => boolean, ms = 5_000, what = 'the expected events') =>
        new Promise<SseMessage[]>((ok, fail) => {
          const check = () => {
            if (predicate(messages)) {
              cleanup();
              ok(messages);
            }
          };
          const timer = setTimeout(() => {
            cleanup();
            fail(
              new Error(
                `timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(messages.map((m) => m.event))}`,
              ),
            );
          }, ms);
          const cleanup = () => {
            clearTimeout(timer);
            waiters.delete(check);
          };
          waiters.add(check);
          check();
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        ended,
        waitFor,
        waitForComment: async (text, ms = 5_000) => {
          const deadline = Date.now() + ms;
          while (!comments.includes(text)) {
            if (Date.now() > deadline) throw new Error(`no ": ${text}" comment within ${ms} ms`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        body: async () => {
          await ended;
          return raw;
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
