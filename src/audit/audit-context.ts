import type { Principal, PrincipalKind } from '../auth/principal';
import { currentRequestId } from '../http/request-id';

/** Who caused an event: a principal of a request, or the system itself (CLI, scheduled jobs). */
export interface AuditActor {
  kind: PrincipalKind | 'system';
  /** `user:<uuid>`, `apikey:<uuid>`, `apikey:instance`, `system:<job>` … */
  id: string;
  /** A human's username, a key's name, a job's name: as it was when the event happened. */
  name: string;
}

/** What a controller hands its service so that audit events name who asked and in which request. */
export interface AuditContext {
  actor: AuditActor;
  requestId: string | null;
}

/** The context of `principal` acting in the current request (its id is found when not given). */
export function auditContextFor(principal: Principal, requestId?: string | null): AuditContext {
  return {
    actor: { kind: principal.kind, id: principal.id, name: principal.name },
    requestId: requestId ?? currentRequestId(),
  };
}

/** For work no request asked for: CLI commands, expiry sweeps, start-up tasks. */
export function systemAuditContext(job: string): AuditContext {
  return { actor: { kind: 'system', id: `system:${job}`, name: job }, requestId: null };
}
