import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../../src/audit/audit-chain.verifier';
import { approved, claim, LIVE_ENV, storeCredentials, TEST_CREDENTIALS_KEY } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { AppProcess, startAppProcess, stopAppProcess } from '../helpers/app-process';
import { createUser, mintApiKey } from '../helpers/identity';

describe('execution claims across two app processes on one database', () => {
  let t: TestApp;
  let other: AppProcess;

  beforeAll(async () => {
    t = await createTestApp({ env: LIVE_ENV });
    other = await startAppProcess('actions-app-process.ts', t.config.databaseUrl!, {
      AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
    });
  }, 120_000);

  afterAll(async () => {
    if (other) await stopAppProcess(other);
    await t.close();
  });

  it('50 parallel claims of one approved action, split over this process and a second OS process → one grant', async () => {
    expect(other.pid).not.toBe(process.pid);
    await storeCredentials(t);
    const executor = await mintApiKey(t, ['actions:propose', 'actions:execute']);
    const alice = await createUser(t, { role: 'operator' });
    for (let round = 0; round < 3; round++) {
      const action = await approved(t, executor, [alice]);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          claim(i % 2 === 0 ? t : other.base, executor, action.id, action.payload_hash),
        ),
      );
      const statuses = responses.map((res) => res.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      expect(new Set(responses.filter((r) => r.status === 409).map((r) => r.body.reason))).toEqual(
        new Set(['already_claimed']),
      );
    }
    expect(await verifyAuditChain(t.app.get(DataSource))).toMatchObject({ intact: true });
  });
});
