/**
 * One app process for the multi-process audit test: the real app (AppModule + HTTP setup) with the audit
 * probe, on the database in DATABASE_URL, listening on a free loopback port that it reports to its parent.
 * Started by the test with `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { AuditModule } from '../../src/audit/audit.module';
import { createTestApp, TestApp } from '../helpers/app';
import { AuditProbeController } from '../helpers/audit-probe.controller';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !process.send) throw new Error('start me with fork() and DATABASE_URL');
  const app: TestApp = await createTestApp({
    database: { url, name: new URL(url).pathname.slice(1) },
    controllers: [AuditProbeController],
    imports: [AuditModule],
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
