import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { ExpiryScheduler } from './expiry-scheduler';

/** A data source whose transactions hand the callback a dummy manager: the scheduler's own logic only. */
const fakeDataSource = {
  transaction: <T>(work: (manager: EntityManager) => Promise<T>) => work({} as EntityManager),
} as unknown as DataSource;
const config = { eventsExpiringWarningMs: 300_000 } as AppConfig;

describe('ExpiryScheduler', () => {
  it('runs every registered kind, and one failing kind neither stops the others nor escapes', async () => {
    const scheduler = new ExpiryScheduler(fakeDataSource, config);
    const ran: string[] = [];
    scheduler.register({ kind: 'approval', expireOverdue: () => (ran.push('approval'), Promise.resolve(2)) });
    scheduler.register({
      kind: 'governance_request',
      expireOverdue: () => Promise.reject(new Error('boom')),
    });
    scheduler.register({
      kind: 'external_action.lease',
      expireOverdue: () => (ran.push('external_action.lease'), Promise.resolve(3)),
    });
    jest.spyOn(scheduler['logger'], 'error').mockImplementation(() => undefined);
    await expect(scheduler.sweepAll()).resolves.toBe(5);
    expect(ran).toEqual(['approval', 'external_action.lease']);
    expect(scheduler['logger'].error).toHaveBeenCalledWith(expect.stringContaining('governance_request'));
  });

  it('fails closed on demand: expireNow lets the error reach the read or decision that asked', async () => {
    const scheduler = new ExpiryScheduler(fakeDataSource, config);
    scheduler.register({
      kind: 'governance_request',
      expireOverdue: () => Promise.reject(new Error('boom')),
    });
    await expect(scheduler.expireNow('governance_request')).rejects.toThrow('boom');
  });

  it('refuses a kind registered twice, and an unknown kind', () => {
    const scheduler = new ExpiryScheduler(fakeDataSource, config);
    scheduler.register({ kind: 'approval', expireOverdue: () => Promise.resolve(0) });
    expect(() => scheduler.register({ kind: 'approval', expireOverdue: () => Promise.resolve(0) })).toThrow(
      /twice/,
    );
    expect(() => scheduler.expireNow('nope' as never)).toThrow(/no expiry kind/);
  });
});
