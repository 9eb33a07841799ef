import { ConflictException, ForbiddenException } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { INSTANCE_KEY_PRINCIPAL } from '../auth/principal';
import { assertMayDecide, decisionRefusal } from './decision-rules';
import type { DecidableRequest } from './decision-rules';

const user = (id: string): Principal => ({
  kind: 'user',
  id,
  name: id,
  scopes: [],
  isAdmin: false,
  role: 'operator',
});
const alice = user('user:alice');
const bob = user('user:bob');
const carol = user('user:carol');

const byKey: DecidableRequest = {
  subject: 'request',
  requestedBy: 'apikey:11111111-1111-1111-1111-111111111111',
  // The key's owner (alice) and the admin who minted it (carol).
  requesterHumans: ['user:alice', 'user:carol'],
};
const action = (approvedBy: string[]): DecidableRequest => ({ ...byKey, subject: 'action', approvedBy });

const refusal = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('assertMayDecide: who may decide a request', () => {
  it('lets another human decide', () => {
    expect(() => assertMayDecide(bob, byKey, 'approve')).not.toThrow();
    expect(() => assertMayDecide(bob, byKey, 'reject')).not.toThrow();
  });

  it.each([
    ['the instance key', INSTANCE_KEY_PRINCIPAL],
    ['a stored key', { ...INSTANCE_KEY_PRINCIPAL, id: 'apikey:x', isAdmin: false }],
    ['an admin key claiming a user id', { ...INSTANCE_KEY_PRINCIPAL, id: 'user:bob' }],
    ['anonymous', { ...bob, kind: 'anonymous' as const }],
  ])('refuses %s: only a signed-in human decides (403)', (_, machine) => {
    const error = refusal(() => assertMayDecide(machine, byKey, 'approve'));
    expect(error).toBeInstanceOf(ForbiddenException);
    expect((error as Error).message).toBe('Only a signed-in human may decide');
  });

  it('refuses the requester itself, approving or rejecting (403)', () => {
    const own: DecidableRequest = {
      subject: 'request',
      requestedBy: 'user:bob',
      requesterHumans: ['user:bob'],
    };
    for (const decision of ['approve', 'reject'] as const) {
      const error = refusal(() => assertMayDecide(bob, own, decision));
      expect(error).toBeInstanceOf(ForbiddenException);
      expect((error as Error).message).toMatch(/cannot decide your own/);
    }
  });

  it('refuses the requester even when the list of humans behind it is empty', () => {
    const own: DecidableRequest = { subject: 'request', requestedBy: 'user:bob', requesterHumans: [] };
    expect(refusal(() => assertMayDecide(bob, own, 'approve'))).toBeInstanceOf(ForbiddenException);
  });

  it.each([
    ['owner', alice],
    ['minting admin', carol],
  ])('refuses the key %s: one person with a key and a login counts once (403)', (_, human) => {
    const error = refusal(() => assertMayDecide(human, byKey, 'approve'));
    expect(error).toBeInstanceOf(ForbiddenException);
    expect((error as Error).message).toMatch(/API key you own/);
  });

  it('words the refusal for actions as the proposer, for approvals and rejections alike', () => {
    expect((refusal(() => assertMayDecide(alice, action([]), 'approve')) as Error).message).toMatch(
      /proposer.*cannot approve/,
    );
    expect((refusal(() => assertMayDecide(carol, action([]), 'reject')) as Error).message).toMatch(
      /proposer.*cannot reject/,
    );
  });

  it('refuses a second approval by the same human of an N-person action (409)', () => {
    const error = refusal(() => assertMayDecide(bob, action(['user:bob']), 'approve'));
    expect(error).toBeInstanceOf(ConflictException);
    expect((error as Error).message).toMatch(/already approved/);
  });

  it('lets a different human add the next approval, and a past approver reject', () => {
    expect(() => assertMayDecide(user('user:dave'), action(['user:bob']), 'approve')).not.toThrow();
    expect(() => assertMayDecide(bob, action(['user:bob']), 'reject')).not.toThrow();
  });

  it('checks the requester before the approvals: a proposer who somehow approved is still 403', () => {
    expect(refusal(() => assertMayDecide(alice, action(['user:alice']), 'approve'))).toBeInstanceOf(
      ForbiddenException,
    );
  });
});

describe('decisionRefusal: the same rule, as a reason the inbox can show', () => {
  it('says nothing when the person may decide', () => {
    expect(decisionRefusal(bob, byKey, 'approve')).toBeNull();
  });

  it.each([
    ['a machine', INSTANCE_KEY_PRINCIPAL, byKey, 'not_a_human', 403],
    ['the requester itself', alice, { ...byKey, requestedBy: 'user:alice' }, 'own_request', 403],
    ['the owner of the requesting key', alice, byKey, 'requester_key', 403],
    ['the admin who minted it', carol, byKey, 'requester_key', 403],
    ['a second approval by the first approver', bob, action(['user:bob']), 'already_approved', 409],
  ])('refuses %s with a machine-readable reason', (_, who, request, reason, status) => {
    expect(decisionRefusal(who, request, 'approve')).toMatchObject({ reason, status });
  });

  it('throws exactly what it reports (assertMayDecide is decisionRefusal thrown)', () => {
    const refusal = decisionRefusal(alice, byKey, 'reject')!;
    const thrown = refusal && (() => assertMayDecide(alice, byKey, 'reject'));
    expect(thrown).toThrow(refusal.message);
  });
});
