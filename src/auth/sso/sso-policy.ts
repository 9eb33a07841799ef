import { createHash } from 'node:crypto';
import type { SsoSettings } from '../../config/app-config';
import { USER_ROLES } from '../principal';
import type { UserRole } from '../principal';
import { USERNAME_PATTERN } from '../users/dto/user.dto';

/** The claims of a signed-in provider account: the validated ID token, completed by the userinfo answer. */
export type SsoClaims = Record<string, unknown> & { iss: string; sub: string };

/** Why the provider's account may not sign in here, though the provider vouched for it. */
export type AdmissionRefusal = 'email_domain_not_allowed' | 'email_not_verified' | 'group_missing';

/** The user's groups: the configured claim as a list of strings (a lone string counts as one group). */
export function groupsOf(claims: SsoClaims, claimName: string): string[] {
  const value = claims[claimName];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}

const emailOf = (claims: SsoClaims) =>
  typeof claims.email === 'string' && claims.email.length <= 320 ? claims.email.toLowerCase() : undefined;

/**
 * Whether the account may sign in: with allowed domains configured, a verified email in one of them
 * (the domain after the last `@`, exactly, so `example.com.evil.example` is not `example.com`);
 * with a required group, that group in the groups claim. An email the provider marks unverified never counts.
 */
export function admissionOf(
  claims: SsoClaims,
  settings: Pick<SsoSettings, 'allowedEmailDomains' | 'requiredGroup' | 'groupsClaim'>,
): AdmissionRefusal | null {
  if (settings.allowedEmailDomains.length > 0) {
    const email = emailOf(claims);
    if (email === undefined || claims.email_verified === false) return 'email_not_verified';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!email.includes('@') || !settings.allowedEmailDomains.includes(domain))
      return 'email_domain_not_allowed';
  }
  if (
    settings.requiredGroup !== undefined &&
    !groupsOf(claims, settings.groupsClaim).includes(settings.requiredGroup)
  ) {
    return 'group_missing';
  }
  return null;
}

/**
 * The role the provider's groups grant under the role map: the strongest mapped one, `viewer` when none
 * is mapped. Undefined when no map is configured: then roles are managed in Autopack alone.
 */
export function mappedRole(
  claims: SsoClaims,
  settings: Pick<SsoSettings, 'roleMap' | 'groupsClaim'>,
): UserRole | undefined {
  if (Object.keys(settings.roleMap).length === 0) return undefined;
  const granted = groupsOf(claims, settings.groupsClaim)
    .filter((group) => Object.hasOwn(settings.roleMap, group))
    .map((group) => USER_ROLES.indexOf(settings.roleMap[group]));
  return USER_ROLES[Math.max(0, ...granted)];
}

/**
 * The username of a new SSO user: the provider's `preferred_username`, else the email's local part,
 * reduced to the username alphabet, plus a suffix derived from `iss` and `sub` so that it cannot collide
 * with (and so never signs in as) a local user of the same name. Linking is by `iss` + `sub` only.
 */
export function usernameFor(claims: SsoClaims): string {
  const raw =
    (typeof claims.preferred_username === 'string' && claims.preferred_username) ||
    emailOf(claims)?.split('@')[0] ||
    'sso';
  let base = raw
    .toLowerCase()
    .replace(/@.*$/, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 48);
  if (base.length < 1) base = 'sso';
  const suffix = createHash('sha256').update(`${claims.iss}\n${claims.sub}`).digest('hex').slice(0, 8);
  const username = `${base}-${suffix}`;
  return USERNAME_PATTERN.test(username) ? username : `sso-${suffix}`;
}
