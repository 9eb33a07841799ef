/**
 * One app process on the database in DATABASE_URL with the environment in APP_ENV (JSON), listening on a
 * free loopback port that it reports to its parent. Started by tests with `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { createTestApp } from '../helpers/app';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !process.send) throw new Error('start me with fork() and DATABASE_URL');
  const app = await createTestApp({
    env: JSON.parse(process.env.APP_ENV ?? '{}') as Record<string, string>,
    database: { url, name: new URL(url).pathname.slice(1) },
  });
  await app.app.listen(0, '127.0.0.1');
  const { port } = app.http.address() as { port: number };
  process.on('message', (message) => {
    if (message === 'stop') void app.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
  process.send({ port, pid: process.pid });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
