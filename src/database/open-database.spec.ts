import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { DatabaseStartError } from './database-start-error';
import { waitUntilReachable } from './open-database';

// Nothing listens on port 1: every attempt is refused at once.
const UNREACHABLE = 'postgres://autopack:not-a-secret@127.0.0.1:1/autopack';

describe('waitUntilReachable', () => {
  afterEach(() => jest.restoreAllMocks());

  it('fails at once, naming the masked URL, when the timeout is 0 (the default outside production)', async () => {
    const sleep = jest.fn(async () => undefined);
    const attempt = waitUntilReachable(UNREACHABLE, 0, () => undefined, sleep);
    await expect(attempt).rejects.toThrow(DatabaseStartError);
    await expect(attempt).rejects.toThrow(/postgres:\/\/\*\*\*@127\.0\.0\.1:1\/autopack \(ECONNREFUSED\)/);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries with a backoff capped at 5 s until the timeout, then reports the last failure', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const delays: number[] = [];
    const lines: string[] = [];
    const sleep = async (ms: number) => {
      delays.push(ms);
      now += ms;
    };
    await expect(waitUntilReachable(UNREACHABLE, 20_000, (line) => lines.push(line), sleep)).rejects.toThrow(
      /ECONNREFUSED/,
    );
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 2250]);
    expect(delays.reduce((a, b) => a + b)).toBe(20_000);
    expect(lines[0]).toMatch(/retrying for up to 20 s more$/);
    expect(lines.join('\n')).not.toContain('not-a-secret');
  });
});

describe('waitUntilReachable against a server that goes away mid-probe', () => {
  let server: Server;
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  /**
   * Speaks just enough of the PostgreSQL protocol to let the client in (AuthenticationOk, ReadyForQuery)
   * and then, like PostgreSQL restarting after its first initdb, at once a FATAL error and the end of the
   * connection — which reaches the client while it is idle, as an 'error' event.
   */
  const startVanishingServer = () =>
    new Promise<number>((resolve) => {
      server = createServer((socket) => {
        socket.once('data', () => {
          const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
          const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
          const fields = Buffer.from(
            'SFATAL\0C57P01\0Mterminating connection due to administrator command\0\0',
          );
          const fatal = Buffer.alloc(5);
          fatal.write('E', 0);
          fatal.writeInt32BE(fields.length + 4, 1);
          socket.end(Buffer.concat([authOk, ready, fatal, fields]));
        });
      });
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  it('reports the failure as a start error, and no unheard client error ends the process', async () => {
    const port = await startVanishingServer();
    const uncaught = jest.fn();
    process.on('uncaughtException', uncaught);
    try {
      await expect(
        waitUntilReachable(`postgres://autopack:x@127.0.0.1:${port}/autopack`, 0, () => undefined),
      ).rejects.toThrow(DatabaseStartError);
      // The client's late 'error' (if any) would surface on a following tick.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off('uncaughtException', uncaught);
    }
  });
});
