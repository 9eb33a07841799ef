import type { JSX } from 'preact';
import { InboxPage } from './pages/inbox';
import { NotFoundPage, PlaceholderPage } from './pages/placeholder';
import { ReviewApprovalPage, ReviewExternalActionPage, ReviewGovernancePage } from './pages/review';
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
  { pattern: '/runs', render: () => <PlaceholderPage title="Runs" /> },
  { pattern: '/runs/:id', render: () => <PlaceholderPage title="Run" /> },
  { pattern: '/operations', render: () => <PlaceholderPage title="Operations" /> },
  { pattern: '/admin', render: () => <PlaceholderPage title="Admin" /> },
];

export function renderRoute(path: string): JSX.Element {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, path);
    if (params) return route.render(params);
  }
  return <NotFoundPage />;
}
