/** How long a started sign-in may take at the provider before its callback is refused. */
export const SSO_ATTEMPT_SECONDS = 10 * 60;

/** Every reason an SSO sign-in is refused; the API answers with it as `reason` (docs/AUTHENTICATION.md). */
export const SSO_REFUSALS = [
  'sso_disabled',
  'invalid_return_to',
  'no_sign_in_in_progress',
  'state_mismatch',
  'provider_denied',
  'code_rejected',
  'response_invalid',
  'provider_unreachable',
  'email_not_verified',
  'email_domain_not_allowed',
  'group_missing',
  'user_disabled',
] as const;
/** Includes every ProviderFailure and AdmissionRefusal (`refuse` is called with them, so tsc checks it). */
export type SsoRefusalReason = (typeof SSO_REFUSALS)[number];

/** A refused sign-in; the controller turns it into a 4xx (502 for an unreachable provider). */
export class SsoRefused extends Error {
  constructor(readonly reason: SsoRefusalReason) {
    super(`SSO sign-in refused: ${reason}`);
  }
}

/** The status and message of each refusal: what the user can do about it, nothing that helps an attacker. */
export const SSO_REFUSAL_ANSWERS: Record<SsoRefusalReason, { status: number; message: string }> = {
  sso_disabled: { status: 404, message: 'SSO is not configured on this server' },
  invalid_return_to: { status: 400, message: 'return_to must be a relative path under /console/' },
  no_sign_in_in_progress: {
    status: 400,
    message: 'No SSO sign-in is in progress in this browser, or it expired; start again',
  },
  state_mismatch: {
    status: 400,
    message: 'This answer does not belong to the sign-in this browser started; start again',
  },
  provider_denied: { status: 401, message: 'The identity provider did not sign you in' },
  code_rejected: {
    status: 401,
    message: 'The identity provider refused the sign-in code (used or expired); start again',
  },
  response_invalid: { status: 401, message: "The identity provider's answer failed validation; start again" },
  provider_unreachable: { status: 502, message: 'The identity provider cannot be reached; try again later' },
  email_not_verified: {
    status: 403,
    message: 'This server requires a verified email address from the identity provider',
  },
  email_domain_not_allowed: { status: 403, message: 'Accounts of your email domain may not sign in here' },
  group_missing: { status: 403, message: 'Your account is not in the group allowed to sign in here' },
  user_disabled: { status: 403, message: 'Your user is disabled; ask an admin' },
};
