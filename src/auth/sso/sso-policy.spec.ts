import { admissionOf, groupsOf, mappedRole, usernameFor } from './sso-policy';
import type { SsoClaims } from './sso-policy';

const claims = (extra: Record<string, unknown>): SsoClaims => ({
  iss: 'https://idp.example',
  sub: 'u-1',
  ...extra,
});
const open = { allowedEmailDomains: [], requiredGroup: undefined, groupsClaim: 'groups' };

describe('SSO admission', () => {
  it('admits anyone the provider vouches for when no rule is configured', () => {
    expect(admissionOf(claims({}), open)).toBeNull();
  });

  it('allowed domains: a verified email in one of them, compared exactly after the last @', () => {
    const rules = { ...open, allowedEmailDomains: ['example.com'] };
    expect(admissionOf(claims({ email: 'A@Example.COM', email_verified: true }), rules)).toBeNull();
    // Providers that do not send email_verified (Entra ID) are trusted for their own accounts.
    expect(admissionOf(claims({ email: 'a@example.com' }), rules)).toBeNull();
    expect(admissionOf(claims({ email: 'a@example.com', email_verified: false }), rules)).toBe(
      'email_not_verified',
    );
    expect(admissionOf(claims({}), rules)).toBe('email_not_verified');
    for (const email of [
      'a@example.com.evil.example',
      'a@sub.example.com',
      'a@evil.example',
      'example.com',
      'a@example.com@evil.example',
    ]) {
      expect([email, admissionOf(claims({ email, email_verified: true }), rules)]).toEqual([
        email,
        'email_domain_not_allowed',
      ]);
    }
  });

  it('required group: in the configured claim, a list or a lone string', () => {
    const rules = { ...open, requiredGroup: 'ops', groupsClaim: 'roles' };
    expect(admissionOf(claims({ roles: ['x', 'ops'] }), rules)).toBeNull();
    expect(admissionOf(claims({ roles: 'ops' }), rules)).toBeNull();
    expect(admissionOf(claims({ roles: ['opsx'], groups: ['ops'] }), rules)).toBe('group_missing');
    expect(admissionOf(claims({ roles: [{ name: 'ops' }] }), rules)).toBe('group_missing');
    expect(groupsOf(claims({ roles: ['a', 1, null, 'b'] }), 'roles')).toEqual(['a', 'b']);
  });
});

describe('SSO role mapping', () => {
  const map = { groupsClaim: 'groups', roleMap: { admins: 'admin', ops: 'operator' } as const };
  it('the strongest mapped group wins; no mapped group is viewer', () => {
    expect(mappedRole(claims({ groups: ['ops', 'admins'] }), map)).toBe('admin');
    expect(mappedRole(claims({ groups: ['ops', 'other'] }), map)).toBe('operator');
    expect(mappedRole(claims({ groups: ['other'] }), map)).toBe('viewer');
    expect(mappedRole(claims({}), map)).toBe('viewer');
  });
  it('without a map, roles are Autopack’s to manage', () => {
    expect(
      mappedRole(claims({ groups: ['admins'] }), { groupsClaim: 'groups', roleMap: {} }),
    ).toBeUndefined();
  });
});

describe('SSO usernames', () => {
  it('come from preferred_username or the email, with a suffix from iss+sub (never a local name)', () => {
    expect(usernameFor(claims({ preferred_username: 'Alice Smith' }))).toMatch(/^alice-smith-[0-9a-f]{8}$/);
    expect(usernameFor(claims({ email: 'bob.jones@example.com' }))).toMatch(/^bob.jones-[0-9a-f]{8}$/);
    expect(usernameFor(claims({ preferred_username: '@@@' }))).toMatch(/^sso-[0-9a-f]{8}$/);
    expect(usernameFor(claims({ preferred_username: 'admin' }))).not.toBe('admin');
    expect(usernameFor(claims({ preferred_username: 'x'.repeat(100) })).length).toBeLessThanOrEqual(64);
    // Another subject with the same name gets another username.
    expect(usernameFor(claims({ preferred_username: 'alice' }))).not.toBe(
      usernameFor({ iss: 'https://idp.example', sub: 'u-2', preferred_username: 'alice' }),
    );
  });
});
