import { ConflictException, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { AuditContext } from '../../audit/audit-context';
import { AppConfig } from '../../config/app-config';
import type { SsoSettings } from '../../config/app-config';
import { currentRequestId } from '../../http/request-id';
import type { UserRole } from '../principal';
import { revokeUserSessions, SessionsService } from '../sessions/sessions.service';
import type { ClientInfo, SessionGrant } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { OidcClient, ProviderError } from './oidc-client';
import { SsoIdentity } from './sso-identity.entity';
import { SsoLoginAttempt } from './sso-login-attempt.entity';
import { SSO_ATTEMPT_SECONDS, SsoRefused } from './sso-refusal';
import type { SsoRefusalReason } from './sso-refusal';
import { admissionOf, mappedRole, usernameFor } from './sso-policy';
import type { SsoClaims } from './sso-policy';

/** Refusals that may be an attack or a policy decision, and so are written to the audit log. */
const AUDITED: ReadonlySet<SsoRefusalReason> = new Set<SsoRefusalReason>([
  'state_mismatch',
  'code_rejected',
  'response_invalid',
  'email_not_verified',
  'email_domain_not_allowed',
  'group_missing',
  'user_disabled',
]);

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** The email claim as stored beside the link (for admins to recognise the account; never to link by). */
const emailOf = (claims: SsoClaims) =>
  typeof claims.email === 'string' ? claims.email.toLowerCase().slice(0, 320) : null;

/** The SSO actor: the provider vouching for an account, before it is (or becomes) a user here. */
const ssoContext = (): AuditContext => ({
  actor: { kind: 'system', id: 'system:sso', name: 'sso' },
  requestId: currentRequestId(),
});

/**
 * SSO sign-in with OpenID Connect: start (a server-side attempt bound to the browser by a random handle)
 * and finish (the attempt used up, the provider's answer checked, the account admitted, found by `iss` +
 * `sub` or created as a viewer, and a session started exactly as a password login starts one).
 */
@Injectable()
export class SsoService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly oidc: OidcClient,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private get settings(): SsoSettings {
    if (!this.config.sso) throw new SsoRefused('sso_disabled');
    return this.config.sso;
  }

  /** Starts a sign-in: returns the browser's handle (for its cookie) and the provider URL to send it to. */
  async start(returnTo: string): Promise<{ handle: string; location: string }> {
    if (!this.config.sso) throw new SsoRefused('sso_disabled');
    const { url, checks } = await this.providerCall(() => this.oidc.start());
    const handle = randomBytes(32).toString('base64url');
    await this.dataSource.transaction(async (manager) => {
      // Abandoned sign-ins go here, a few at a time, by the expiry index.
      await manager.query(
        `DELETE FROM auth_sso_login_attempts WHERE handle_hash IN (
           SELECT handle_hash FROM auth_sso_login_attempts WHERE expires_at < now() LIMIT 100)`,
      );
      await manager.insert(SsoLoginAttempt, {
        handleHash: sha256(handle),
        state: checks.state,
        nonce: checks.nonce,
        codeVerifier: checks.codeVerifier,
        returnTo,
        expiresAt: new Date(Date.now() + SSO_ATTEMPT_SECONDS * 1000),
      });
    });
    return { handle, location: url.href };
  }

  /**
   * Finishes the sign-in of the browser holding `handle`, with the provider's redirect (`callbackUrl`).
   * The attempt is deleted first, whatever follows: a callback can be tried once. Throws SsoRefused.
   */
  async finish(
    handle: string | undefined,
    callbackUrl: URL,
    client: ClientInfo,
  ): Promise<{ grant: SessionGrant; returnTo: string }> {
    const settings = this.settings;
    const attempt = handle === undefined ? undefined : await this.useAttempt(handle);
    if (!attempt) throw new SsoRefused('no_sign_in_in_progress');
    const state = callbackUrl.searchParams.get('state');
    if (state === null || !sameText(state, attempt.state)) {
      return this.refuse('state_mismatch');
    }
    let claims: SsoClaims;
    try {
      claims = await this.oidc.finish(callbackUrl, attempt);
    } catch (error) {
      if (error instanceof ProviderError) return this.refuse(error.reason);
      throw error;
    }
    const refusal = admissionOf(claims, settings);
    if (refusal) return this.refuse(refusal, claims);
    const grant = await this.signIn(claims, settings, client);
    return { grant, returnTo: attempt.returnTo };
  }

  /** The attempt of `handle` if it exists and has not expired; deleted either way (single use). */
  private async useAttempt(handle: string): Promise<SsoLoginAttempt | undefined> {
    if (handle.length > 64) return undefined;
    const [rows] = (await this.dataSource.query(
      `DELETE FROM auth_sso_login_attempts WHERE handle_hash = $1
       RETURNING state, nonce, code_verifier, return_to, expires_at`,
      [sha256(handle)],
    )) as [
      Array<{ state: string; nonce: string; code_verifier: string; return_to: string; expires_at: Date }>,
    ];
    const row = rows[0];
    if (!row || row.expires_at.getTime() <= Date.now()) return undefined;
    return Object.assign(new SsoLoginAttempt(), {
      state: row.state,
      nonce: row.nonce,
      codeVerifier: row.code_verifier,
      returnTo: row.return_to,
    });
  }

  /**
   * The user linked to the account (`iss` + `sub`), or a new one: a viewer, or the role map's role. A
   * linked user keeps their role unless a role map is configured, which then decides at every sign-in.
   * The session starts in the same transaction as the link and any role change.
   */
  private async signIn(claims: SsoClaims, settings: SsoSettings, client: ClientInfo): Promise<SessionGrant> {
    const mapped = mappedRole(claims, settings);
    const linked = await this.signInLinked(claims, mapped, client);
    if (linked) return linked;
    try {
      return await this.signInNew(claims, mapped, client);
    } catch (error) {
      // Two first sign-ins of one account at once: the other one created the link (a unique violation
      // here, which the users service reports as a 409); sign in through it.
      if (error instanceof ConflictException) {
        const raced = await this.signInLinked(claims, mapped, client);
        if (raced) return raced;
      }
      throw error;
    }
  }

  /** A session for the user linked to the account, if there is one; refused when that user is disabled. */
  private async signInLinked(
    claims: SsoClaims,
    mapped: UserRole | undefined,
    client: ClientInfo,
  ): Promise<SessionGrant | undefined> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const identity = await manager.findOne(SsoIdentity, {
        where: { issuer: claims.iss, subject: claims.sub },
        lock: { mode: 'pessimistic_write' },
      });
      const user =
        identity &&
        (await manager.findOne(User, {
          where: { id: identity.userId },
          lock: { mode: 'pessimistic_write' },
        }));
      if (!identity || !user) return undefined;
      if (user.disabledAt !== null) return { disabled: user };
      if (mapped !== undefined && mapped !== user.role) await this.applyMappedRole(manager, user, mapped);
      await manager.update(
        SsoIdentity,
        { id: identity.id },
        { email: emailOf(claims), lastSignInAt: new Date() },
      );
      return { grant: await this.sessions.start(manager, user, 'sso', client) };
    });
    if (outcome?.disabled) return this.refuse('user_disabled', claims, outcome.disabled);
    return outcome?.grant;
  }

  /** A new user linked to the account, created with its link and its first session in one transaction. */
  private async signInNew(
    claims: SsoClaims,
    mapped: UserRole | undefined,
    client: ClientInfo,
  ): Promise<SessionGrant> {
    let grant: SessionGrant | undefined;
    await this.users.create(
      {
        username: usernameFor(claims),
        // Nobody knows it: an SSO user signs in at the provider (an admin may still set a password).
        password: randomBytes(32).toString('base64url'),
        role: mapped ?? 'viewer',
      },
      ssoContext(),
      async (manager, user) => {
        await manager.insert(SsoIdentity, {
          userId: user.id,
          issuer: claims.iss,
          subject: claims.sub,
          email: emailOf(claims),
          lastSignInAt: new Date(),
        });
        await this.audit.record(manager, {
          ...ssoContext(),
          type: 'user.sso_linked',
          subject: { type: 'user', id: user.id },
          details: {
            username: user.username,
            issuer: claims.iss,
            subject: claims.sub,
            email: emailOf(claims),
          },
        });
        grant = await this.sessions.start(manager, user, 'sso', client);
      },
    );
    return grant!;
  }

  /** The role map decided: the role changes, audited, and the user's other sessions end as on any role change. */
  private async applyMappedRole(manager: EntityManager, user: User, role: UserRole): Promise<void> {
    const before = { role: user.role, disabled: false };
    user.role = role;
    await manager.update(User, { id: user.id }, { role });
    await this.audit.record(manager, {
      ...ssoContext(),
      type: 'user.role_changed',
      subject: { type: 'user', id: user.id },
      details: { username: user.username, before, after: { role, disabled: false }, by: 'sso_role_map' },
    });
    await revokeUserSessions(manager, this.audit, user.id, 'role_changed', ssoContext());
  }

  private async providerCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ProviderError) throw new SsoRefused(error.reason);
      throw error;
    }
  }

  /** Refuses the sign-in, writing the security-relevant refusals to the audit log (never a token or code). */
  private async refuse(reason: SsoRefusalReason, claims?: SsoClaims, user?: User): Promise<never> {
    if (AUDITED.has(reason)) {
      await this.dataSource.transaction((manager) =>
        this.audit.record(manager, {
          ...ssoContext(),
          type: 'sso.sign_in_refused',
          subject: user ? { type: 'user', id: user.id } : { type: 'system', id: 'sso' },
          details: {
            reason,
            issuer: claims?.iss ?? this.config.sso?.issuer,
            ...(claims
              ? { subject: claims.sub, email: typeof claims.email === 'string' ? claims.email : null }
              : {}),
          },
        }),
      );
    }
    throw new SsoRefused(reason);
  }
}
