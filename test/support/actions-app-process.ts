/**
 * One app process for the multi-process tests (claims, events): the real app with every external-actions switch on,
 * on the database in DATABASE_URL, listening on a free loopback port that it reports to its parent.
 * Started by the test with `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { LIVE_ENV } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !process.send) throw new Error('start me with fork() and DATABASE_URL');
  // The parent's credentials key: both processes must read the same encrypted credential rows.
  const app: TestApp = await createTestApp({
    env: { ...LIVE_ENV, AUTOPACK_CREDENTIALS_KEY: process.env.AUTOPACK_CREDENTIALS_KEY ?? '' },
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
