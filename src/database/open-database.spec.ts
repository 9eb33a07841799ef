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
