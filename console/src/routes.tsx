import type { JSX } from 'preact';
import { AdminApiKeysPage } from './pages/admin-keys';
import { AdminAuditPage } from './pages/admin-audit';
import { AdminUserSessionsPage, AdminUsersPage } from './pages/admin-users';
import { AdminWebhookDeliveriesPage, AdminWebhooksPage } from './pages/admin-webhooks';
import { ArtifactsPage } from './pages/artifacts';
import { InboxPage } from './pages/inbox';
import { OperationsPage } from './pages/operations';
import { NotFoundPage } from './pages/placeholder';
import { ReviewApprovalPage, ReviewExternalActionPage, ReviewGovernancePage } from './pages/review';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { matchRoute } from './router';

/**
 * The page map (docs/CONSOLE.md): one entry per console route, first match wins. The review paths are the
 * deep links every webhook, Slack and Telegram message carries (src/webhooks/webhook-messages.ts).
 */
export const ROUTES: Array<{ pattern: string; render: (params: Record<string, string>) => JSX.Element }> = [
  { pattern: '/', render: () => <InboxPage /> },
  { pattern: '/actions/:id', render: (p) => <ReviewExternalActionPage id={p.id} /> },
  { pattern: '/approvals/:id', render: (p) => <ReviewApprovalPage id={p.id} /> },
  { pattern: '/governance/:id', render: (p) => <ReviewGovernancePage id={p.id} /> },
  { pattern: '/runs', render: () => <RunsPage /> },
  { pattern: '/runs/:id', render: (p) => <RunPage id={p.id} /> },
  { pattern: '/runs/:id/artifacts', render: (p) => <ArtifactsPage id={p.id} /> },
  { pattern: '/operations', render: () => <OperationsPage /> },
  { pattern: '/admin', render: () => <AdminAuditPage /> },
  { pattern: '/admin/api-keys', render: () => <AdminApiKeysPage /> },
  { pattern: '/admin/users', render: () => <AdminUsersPage /> },
  { pattern: '/admin/users/:id', render: (p) => <AdminUserSessionsPage id={p.id} /> },
  { pattern: '/admin/webhooks', render: () => <AdminWebhooksPage /> },
  { pattern: '/admin/webhooks/:id', render: (p) => <AdminWebhookDeliveriesPage id={p.id} /> },
];

export function renderRoute(path: string): JSX.Element {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, path);
    if (params) return route.render(params);
  }
  return <NotFoundPage />;
}
