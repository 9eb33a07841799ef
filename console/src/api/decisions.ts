import { api, unwrap } from './client';
import type { components } from './schema';

export type InboxItem = components['schemas']['InboxItemDto'];
export type InboxKind = InboxItem['kind'];

export const KIND_LABELS: Record<InboxKind, string> = {
  approval: 'Approval request',
  governance_request: 'Governance request',
  external_action: 'External action',
};

/** The console page that reviews an item (also the deep link of webhook messages). */
export function reviewPath(kind: InboxKind, id: string): string {
  const segment = kind === 'external_action' ? 'actions' : kind === 'approval' ? 'approvals' : 'governance';
  return `/${segment}/${encodeURIComponent(id)}`;
}

/**
 * Rejects one item through its own route (each audited there): actions quote the payload hash they
 * were shown, requests carry the reason as the decision comment.
 */
export async function reject(
  kind: InboxKind,
  id: string,
  reason: string,
  payloadHash: string | null,
): Promise<void> {
  if (kind === 'external_action') {
    await unwrap(
      api.POST('/external-actions/{id}/reject', {
        params: { path: { id } },
        body: { payload_hash: payloadHash ?? '', reason },
      }),
    );
  } else if (kind === 'approval') {
    await unwrap(
      api.POST('/approval/{approval_id}/decision', {
        params: { path: { approval_id: id } },
        body: { decision: 'reject', comment: reason },
      }),
    );
  } else {
    await unwrap(
      api.POST('/governance/approve/{request_id}', {
        params: { path: { request_id: id } },
        body: { approved: false, comment: reason },
      }),
    );
  }
}

/** Approves a legacy approval or governance request (actions approve with their hash, on their page). */
export async function approveRequest(kind: 'approval' | 'governance_request', id: string, comment: string) {
  if (kind === 'approval') {
    await unwrap(
      api.POST('/approval/{approval_id}/decision', {
        params: { path: { approval_id: id } },
        body: { decision: 'approve', comment },
      }),
    );
  } else {
    await unwrap(
      api.POST('/governance/approve/{request_id}', {
        params: { path: { request_id: id } },
        body: { approved: true, comment },
      }),
    );
  }
}
