import { existsSync, rmSync } from 'node:fs';
import { scanLogDirectory } from './log-scan';
import { TEST_LOG_DIR_VAR } from './helpers/secrets';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__AUTOPACK_TEST_PG__?.stop();
  assertNoSecretLogged();
}

/**
 * No secret is ever logged: every log line the run's apps wrote is scanned for every secret the tests
 * recorded (test/helpers/secrets.ts) and for anything shaped like a key, a token or a private key.
 * A hit fails the run; the logs are then kept for inspection.
 */
function assertNoSecretLogged(): void {
  const directory = process.env[TEST_LOG_DIR_VAR];
  if (directory === undefined || !existsSync(directory)) return;
  const scan = scanLogDirectory(directory);
  if (scan.logFiles === 0 && scan.secrets === 0) {
    rmSync(directory, { recursive: true, force: true });
    return; // no app ran (unit tests only)
  }
  // Apps ran (every test app records its secrets) but wrote no log: the capture is broken, not clean.
  if (scan.logFiles === 0)
    throw new Error(`log capture is broken: apps ran but wrote no log file (${directory})`);
  if (scan.logLines === 0)
    throw new Error(`log capture is broken: ${scan.logFiles} log files but no lines (${directory})`);
  if (scan.hits.length > 0) {
    const where = scan.hits.slice(0, 20).map((hit) => `  ${hit.file}:${hit.line}: ${hit.what}`);
    throw new Error(
      `secrets reached the logs (${scan.hits.length} hits; logs kept in ${directory}):\n${where.join('\n')}`,
    );
  }
  console.log(
    `\nlog scan: ${scan.logLines} log lines from ${scan.logFiles} processes, ${scan.secrets} secrets, no secret logged`,
  );
  rmSync(directory, { recursive: true, force: true });
}
