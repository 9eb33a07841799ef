/**
 * The body of every app process a multi-process test forks: the real app on the database in DATABASE_URL,
 * listening on a free loopback port that it reports to its parent, stopped by a "stop" message or when the
 * parent goes away. Each `*-app-process.ts` says only what its app needs.
 */
import 'reflect-metadata';
import { createTestApp, TestApp } from '../helpers/app';
import type { TestAppOptions } from '../helpers/app';

export function serveAppProcess(options: Omit<TestAppOptions, 'database'> = {}): void {
  void (async () => {
    const url = process.env.DATABASE_URL;
    if (!url || !process.send) throw new Error('start me with fork() and DATABASE_URL');
    const app: TestApp = await createTestApp({
      ...options,
      database: { url, name: new URL(url).pathname.slice(1) },
    });
    await app.app.listen(0, '127.0.0.1');
    const { port } = app.http.address() as { port: number };
    process.on('message', (message) => {
      if (message === 'stop') void app.close().then(() => process.exit(0));
    });
    // A parent that dies without saying "stop" must not leave this process behind.
    process.on('disconnect', () => void app.close().then(() => process.exit(0)));
    process.send({ port, pid: process.pid });
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
