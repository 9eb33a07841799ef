import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by test/global-setup.ts: where every test app writes its logs and tests list the secrets they use. */
export const TEST_LOG_DIR_VAR = 'AUTOPACK_TEST_LOG_DIR';

/** The log file of this test process, or undefined when logs are not captured (e.g. a lone unit test). */
export function testLogFile(): string | undefined {
  const directory = process.env[TEST_LOG_DIR_VAR];
  return directory === undefined ? undefined : join(directory, `app-${process.pid}.log`);
}

/**
 * Records a secret this test process used (a key, a password, a token, a credential), so that the
 * scan at the end of the run (test/log-scan.ts) can prove it never reached a log line.
 */
export function rememberSecret(...secrets: Array<string | undefined>): void {
  const directory = process.env[TEST_LOG_DIR_VAR];
  if (directory === undefined) return;
  const lines = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
  if (lines.length === 0) return;
  appendFileSync(
    join(directory, `secrets-${process.pid}.jsonl`),
    lines.map((s) => `${JSON.stringify(s)}\n`).join(''),
  );
}
