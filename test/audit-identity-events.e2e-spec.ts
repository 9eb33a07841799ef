import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import { createTestApp, TestApp } from './helpers/app';
import { createUser } from './helpers/identity';

interface Row {
  event_type: string;
  actor_id: string;
  subject_type: string;
  subject_id: string;
  request_id: string | null;
  details: Record<string, unknown>;
}

/** Credential, key and user changes of the identity module are written to the audit log. */
describe('identity changes in the audit log', () => {
  let t: TestApp;
  let ds: DataSource;
  const events = async (type: string): Promise<Row[]> =>
    ds.query(
      'SELECT event_type, actor_id, subject_type, subject_id, request_id, details FROM audit_events WHERE event_type = $1 ORDER BY position',
      [type],
    );

  beforeAll(async () => {
    t = await createTestApp();
    ds = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('records key creation and revocation with the acting admin and the request id, never the secret', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const created = await request(t.http)
      .post('/api/auth/api-keys')
      .set(admin.auth)
      .set('X-Request-ID', 'mint-1')
      .send({ name: 'executor-7', scopes: ['runs:write'] });
    expect(created.status).toBe(201);
    const revoked = await request(t.http)
      .delete(`/api/auth/api-keys/${created.body.id}`)
      .set(admin.auth)
      .set('X-Request-ID', 'revoke-1');
    expect(revoked.status).toBe(200);

    const [minted] = await events('api_key.created');
    expect(minted).toMatchObject({
      actor_id: admin.principalId,
      subject_type: 'api_key',
      subject_id: created.body.id,
      request_id: 'mint-1',
    });
    expect(minted.details).toMatchObject({ name: 'executor-7', scopes: ['runs:write'] });
    const raw = JSON.stringify(await ds.query('SELECT * FROM audit_events'));
    expect(raw).not.toContain(created.body.key);
    expect(raw).not.toContain(created.body.key.split('_').pop());
    const [gone] = await events('api_key.revoked');
    expect(gone).toMatchObject({
      actor_id: admin.principalId,
      subject_id: created.body.id,
      request_id: 'revoke-1',
    });
  });

  it('records role changes and disabling, and self-registration by an anonymous caller', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const viewer = await createUser(t, { role: 'viewer' });
    await request(t.http)
      .patch(`/api/auth/users/${viewer.id}`)
      .set(admin.auth)
      .send({ role: 'operator' })
      .expect(200);
    await request(t.http)
      .patch(`/api/auth/users/${viewer.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    expect(await events('user.role_changed')).toEqual([
      expect.objectContaining({
        actor_id: admin.principalId,
        subject_id: viewer.id,
        details: expect.objectContaining({
          before: { role: 'viewer', disabled: false },
          after: { role: 'operator', disabled: false },
        }),
      }),
    ]);
    expect(await events('user.disabled')).toHaveLength(1);

    await request(t.http)
      .post('/api/auth/register')
      .send({ username: 'newcomer', password: 'a-long-password-123' })
      .expect(201);
    const registered = (await events('user.created')).find((e) => e.details.username === 'newcomer');
    expect(registered?.actor_id).toBe('anonymous');
    expect(JSON.stringify(registered)).not.toContain('a-long-password-123');
  });

  it('keeps the chain intact', async () => {
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true });
  });
});
