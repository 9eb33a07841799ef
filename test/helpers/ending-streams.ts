import type { IncomingMessage } from 'node:http';
import type request from 'supertest';

/**
 * Makes a supertest request to an operation that may answer with an endless `text/event-stream` end:
 * once a stream's headers arrive the connection is dropped (its status and headers are what the caller
 * judges); any other answer is read and parsed as usual. For the tests that walk every operation.
 */
export function endingStreams(pending: request.Test): request.Test {
  const parse = (
    res: IncomingMessage & { text?: string },
    done: (err: Error | null, body: unknown) => void,
  ) => {
    if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      res.text = '';
      done(null, {});
      setImmediate(() => res.destroy());
      return;
    }
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => {
      res.text = text;
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = {};
      }
      done(null, body);
    });
  };
  return pending.buffer(true).parse(parse as unknown as Parameters<request.Test['parse']>[0]);
}
