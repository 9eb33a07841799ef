/**
 * One app process for the cross-replica event tests: the real app on the database in DATABASE_URL,
 * listening on a free loopback port that it reports to its parent. Started by the test with
 * `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { createTestApp, TestApp } from '../helpers/app';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !process.send) throw new Error('start me with fork() and DATABASE_URL');
  const app: TestApp = await createTestApp({
    env: { AUTOPACK_RATE_LIMIT_PER_MINUTE: '100000' },
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
