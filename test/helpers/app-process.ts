import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** The real app in another OS process (a second replica), started from a script in test/support. */
export interface AppProcess {
  child: ChildProcess;
  base: string;
  pid: number;
}

/**
 * Forks `test/support/<script>` with DATABASE_URL and `env`; resolves once it listens (it reports its
 * port and pid over IPC).
 */
export function startAppProcess(
  script: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const child = fork(join(__dirname, '..', 'support', script), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    // Errors only: if a request fails, its cause shows in the test output.
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number; pid: number }) =>
      resolve({ child, base: `http://127.0.0.1:${message.port}`, pid: message.pid }),
    );
    child.once('exit', (code) => reject(new Error(`app process exited early with code ${code}`)));
  });
}

/** Asks the process to close the app and waits for it to exit. */
export function stopAppProcess(app: AppProcess): Promise<void> {
  return new Promise((resolve) => {
    if (app.child.exitCode !== null) return resolve();
    app.child.once('exit', () => resolve());
    app.child.send('stop');
  });
}
