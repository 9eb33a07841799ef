// Runs the real embedded PostgreSQL launcher in its own Node process (started by
// test/embedded-postgres.e2e-spec.ts through ts-node), so a test can kill -9 it like a crashed server.
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

// With "stop-at-once", it stops the database and then has nothing left to do: the process must exit by
// itself, even when started with an IPC channel.
const [dataDir, port, mode] = process.argv.slice(2);

startEmbeddedPostgres({ dataDir, port: Number(port), databaseName: 'app' })
  .then(async (database) => {
    process.stdout.write(`READY ${database.url}\n`);
    if (mode === 'stop-at-once') return database.stop();
    process.on('SIGTERM', () => void database.stop().then(() => process.exit(0)));
    setInterval(() => undefined, 60_000);
  })
  .catch((error: Error) => {
    process.stdout.write(`FAILED ${error.message}\n`);
    process.exit(1);
  });
