import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { approveRequest, KIND_LABELS, reject, type InboxItem, type InboxKind } from '../api/decisions';
import { ApiError, asApiError } from '../api/errors';
import { useLiveReload } from '../api/live';
import { useResource } from '../api/use-resource';
import type { components } from '../api/schema';
import { JsonBlock, JsonDiffTable } from '../components/json';
import { Empty, ErrorView, Loading } from '../components/status';
import { Countdown, Time, useNow } from '../components/time';
import { Link } from '../router';

type Action = components['schemas']['ActionWithHistoryDto'];
type KillSwitches = components['schemas']['KillSwitchesDto'];

const money = (cents: number) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(cents / 100);

/** Whether this person may decide the item now: the inbox's answer, or null when it is not pending. */
async function decisionOf(kind: InboxKind, id: string): Promise<InboxItem | null> {
  try {
    return await unwrap(api.GET('/inbox/{kind}/{id}', { params: { path: { kind, id } } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Autopack`;
  }, [title]);
}

function Facts({ children }: { children: ComponentChildren }) {
  return <dl class="facts">{children}</dl>;
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

function BackToInbox() {
  return (
    <p>
      <Link href="/">← Back to the inbox</Link>
    </p>
  );
}

/** Why you cannot decide, or that it is no longer pending. */
function NotDecidable({ item, status }: { item: InboxItem | null; status: string }) {
  if (!item) {
    return (
      <p class="notice" role="status">
        This is <strong>{status.toLowerCase()}</strong>: nothing is waiting for a decision.
      </p>
    );
  }
  return (
    <p class="notice notice-warn" role="status">
      You cannot decide this: {item.reason_message}
    </p>
  );
}

/** What the last decision made on this page did ("Approved."), kept when the decision form goes away. */
function Outcome({ text }: { text: string | null }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}

/** Approve (optional) and reject with a required reason; a 409 shows why and reloads the page's data. */
function DecisionForm({
  name,
  approveLabel,
  requireCommentToApprove,
  onApprove,
  onReject,
  onConflict,
  onOutcome,
}: {
  name: string;
  approveLabel: string;
  requireCommentToApprove: boolean;
  onApprove: (comment: string) => Promise<void>;
  onReject: (reason: string) => Promise<void>;
  onConflict: () => void;
  /** The decision's outcome, shown by the page: once decided, this form is replaced and would take it along. */
  onOutcome: (outcome: string | null) => void;
}) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = async (what: 'approve' | 'reject') => {
    setError(null);
    onOutcome(null);
    if (what === 'reject' && !comment.trim()) {
      setError(new ApiError(0, 'Give a reason to reject.', undefined));
      return;
    }
    if (what === 'approve' && requireCommentToApprove && !comment.trim()) {
      setError(new ApiError(0, 'Give a comment to approve.', undefined));
      return;
    }
    setBusy(true);
    try {
      if (what === 'approve') await onApprove(comment.trim());
      else await onReject(comment.trim());
      onOutcome(what === 'approve' ? 'Approved.' : 'Rejected.');
      setComment('');
    } catch (caught) {
      const failure = asApiError(caught);
      setError(failure);
      if (failure.status === 409) onConflict();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="decide-heading" class="decide">
      <h2 id="decide-heading">Decide</h2>
      {error && (
        <ErrorView
          error={error}
          title={
            error.status === 409
              ? error.body.reason === 'hash_mismatch'
                ? 'The payload changed since this page loaded; it has been reloaded: review it again'
                : 'This changed since the page loaded; it has been reloaded'
              : 'The decision was not recorded'
          }
        />
      )}
      <label for="decision-comment">
        {requireCommentToApprove ? 'Comment (required)' : 'Reason (required to reject)'}
      </label>
      <textarea
        id="decision-comment"
        rows={3}
        maxLength={2000}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      <div class="buttons">
        <button type="button" class="primary" disabled={busy} onClick={() => void run('approve')}>
          {approveLabel}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void run('reject')}>
          Reject {name}
        </button>
      </div>
    </section>
  );
}

interface ActionReview {
  action: Action;
  previous: components['schemas']['ExternalActionDto'] | null;
  switches: KillSwitches;
  item: InboxItem | null;
}

async function loadActionReview(id: string): Promise<ActionReview> {
  const [action, previous, switches] = await Promise.all([
    unwrap(api.GET('/external-actions/{id}', { params: { path: { id } } })),
    unwrap(api.GET('/external-actions/{id}/previous-approved', { params: { path: { id } } })),
    unwrap(api.GET('/external-actions/kill-switches')),
  ]);
  // Only a pending action can be decided; asking about a decided one would only be a 404.
  const item = action.status === 'PENDING' ? await decisionOf('external_action', id) : null;
  return { action, previous: previous.previous ?? null, switches, item };
}

/** Review an external action: everything needed to decide, bound to the payload hash shown. */
export function ReviewExternalActionPage({ id }: { id: string }) {
  const review = useResource(() => loadActionReview(id), [id]);
  const [outcome, setOutcome] = useState<string | null>(null);
  useLiveReload((event) => event.subject?.type === 'action' && event.subject.id === id, review.reload);
  useTitle(
    review.data ? `Review ${review.data.action.provider} ${review.data.action.action}` : 'Review action',
  );

  if (review.state === 'error' && !review.data) {
    return (
      <>
        <BackToInbox />
        <h1>External action</h1>
        <ErrorView error={review.error} title="Could not load this action" />
      </>
    );
  }
  if (!review.data) return <Loading what="the action" />;
  const { action, previous, switches, item } = review.data;
  const domainSwitch = action.kill_switch;
  const globalOn = switches.switches.AUTOPACK_EXTERNAL_ACTIONS_ENABLED;
  const domainOn = domainSwitch ? switches.switches[domainSwitch] : undefined;
  const dryRun = switches.switches.AUTOPACK_SIDE_EFFECTS_DRY_RUN;
  const spendAfter = switches.spent_cents + action.estimated_spend_cents;
  const overCap = spendAfter > switches.max_daily_spend_cents;

  return (
    <>
      <BackToInbox />
      <h1>
        Review: {action.provider} {action.action}
      </h1>
      {review.state === 'error' && <ErrorView error={review.error} title="Could not refresh this action" />}
      <Facts>
        <Fact term="Summary">{action.summary}</Fact>
        <Fact term="Provider / action">
          {action.provider} / {action.action}
        </Fact>
        <Fact term="Tier">
          {action.tier} ({action.approvals_required} approval{action.approvals_required === 1 ? '' : 's'}{' '}
          needed)
        </Fact>
        <Fact term="Status">{action.status}</Fact>
        <Fact term="Target">{action.external_target}</Fact>
        <Fact term="Run">{action.run_id ? <code>{action.run_id}</code> : '—'}</Fact>
        <Fact term="Proposed by">
          <code>{action.proposed_by}</code>, <Time iso={action.created_at} />
        </Fact>
        <Fact term="Estimated spend">
          {money(action.estimated_spend_cents)}{' '}
          <span class={overCap ? 'warn-text' : 'muted'}>
            (today, {switches.day} UTC: {money(switches.spent_cents)} of{' '}
            {money(switches.max_daily_spend_cents)} spent, {switches.actions} of{' '}
            {switches.max_actions_per_day} actions
            {overCap ? '; this would exceed the daily cap' : ''})
          </span>
        </Fact>
        <Fact term="Kill switches">
          <span class={globalOn ? '' : 'warn-text'}>
            external actions {globalOn ? 'enabled' : 'DISABLED'}
          </span>
          {domainSwitch && (
            <>
              {'; '}
              <code>{domainSwitch}</code>{' '}
              <span class={domainOn ? '' : 'warn-text'}>{domainOn ? 'on' : 'OFF (claims are refused)'}</span>
            </>
          )}
          {dryRun ? '; dry-run: nothing will really happen' : ''}
        </Fact>
      </Facts>

      <h2>Payload</h2>
      <p>
        Payload hash: <code class="hash">{action.payload_hash}</code>
      </p>
      <JsonBlock value={action.payload} label="Payload" />

      <h2>Changes since the last approved {action.action}</h2>
      {previous ? (
        <>
          <p class="muted">
            Compared with <Link href={`/actions/${previous.id}`}>{previous.summary}</Link>, approved{' '}
            <Time iso={previous.approved_at} />.
          </p>
          <JsonDiffTable
            before={previous.payload}
            after={action.payload}
            caption={`Payload changes since the last approved ${action.provider} ${action.action}`}
          />
        </>
      ) : (
        <Empty>
          No earlier approved {action.provider} {action.action} to compare with.
        </Empty>
      )}

      <h2>Approvals</h2>
      {action.approvals.length === 0 ? (
        <p class="muted">None yet ({action.approvals_required} needed).</p>
      ) : (
        <ul class="approvals">
          {action.approvals.map((approval) => (
            <li key={approval.by + approval.at}>
              {approval.name} approved <Time iso={approval.at} />
            </li>
          ))}
        </ul>
      )}

      <Outcome text={outcome} />
      {action.status === 'PENDING' && item?.may_decide ? (
        <DecisionForm
          name="action"
          approveLabel={action.approvals.length > 0 ? 'Give the second approval' : 'Approve action'}
          requireCommentToApprove={false}
          onApprove={async () => {
            await unwrap(
              api.POST('/external-actions/{id}/approve', {
                params: { path: { id } },
                body: { payload_hash: action.payload_hash },
              }),
            );
            review.reload();
          }}
          onReject={async (reason) => {
            await reject('external_action', id, reason, action.payload_hash);
            review.reload();
          }}
          onConflict={review.reload}
          onOutcome={setOutcome}
        />
      ) : (
        <NotDecidable item={action.status === 'PENDING' ? item : null} status={action.status} />
      )}

      <h2>History</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Audit history of this action</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {action.history.map((event) => (
              <tr key={event.position}>
                <td>
                  <Time iso={event.occurred_at} />
                </td>
                <td>{event.event_type}</td>
                <td>{event.actor_name}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The shared frame of the approval and governance request pages. */
function RequestReview<T extends { status: string; run_id: string; phase_id: string; requested_by: string }>({
  kind,
  id,
  load,
  children,
}: {
  kind: 'approval' | 'governance_request';
  id: string;
  load: () => Promise<T>;
  children: (request: T) => ComponentChildren;
}) {
  const review = useResource(async () => {
    const request = await load();
    return { request, item: request.status === 'pending' ? await decisionOf(kind, id) : null };
  }, [id]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const subject = kind === 'approval' ? 'approval' : 'governance_request';
  useLiveReload((event) => event.subject?.type === subject && event.subject.id === id, review.reload);
  const now = useNow();
  useTitle(`Review ${KIND_LABELS[kind].toLowerCase()}`);

  if (review.state === 'error' && !review.data) {
    return (
      <>
        <BackToInbox />
        <h1>{KIND_LABELS[kind]}</h1>
        <ErrorView error={review.error} title="Could not load this request" />
      </>
    );
  }
  if (!review.data) return <Loading what="the request" />;
  const { request, item } = review.data;
  const expires = (request as { expires_at?: string }).expires_at;
  return (
    <>
      <BackToInbox />
      <h1>Review: {KIND_LABELS[kind].toLowerCase()}</h1>
      <Facts>
        <Fact term="Status">{request.status}</Fact>
        <Fact term="Run / phase">
          <code>{request.run_id}</code> / <code>{request.phase_id}</code>
        </Fact>
        <Fact term="Requested by">
          <code>{request.requested_by}</code>
        </Fact>
        <Fact term="Expiry">
          {request.status === 'pending' ? (
            <>
              <Countdown iso={expires} now={now} />{' '}
              {expires && (
                <span class="muted">
                  (<Time iso={expires} />)
                </span>
              )}
            </>
          ) : (
            // Decided (or timed out): the old deadline no longer means anything.
            <span class="muted">
              none: the request was {request.status === 'timeout' ? 'not decided in time' : request.status}
            </span>
          )}
        </Fact>
      </Facts>
      {children(request)}
      <Outcome text={outcome} />
      {request.status === 'pending' && item?.may_decide ? (
        <DecisionForm
          name="request"
          approveLabel="Approve request"
          requireCommentToApprove
          onApprove={async (comment) => {
            await approveRequest(kind, id, comment);
            review.reload();
          }}
          onReject={async (reason) => {
            await reject(kind, id, reason, null);
            review.reload();
          }}
          onConflict={review.reload}
          onOutcome={setOutcome}
        />
      ) : (
        <NotDecidable item={request.status === 'pending' ? item : null} status={request.status} />
      )}
    </>
  );
}

export function ReviewApprovalPage({ id }: { id: string }) {
  return (
    <RequestReview
      kind="approval"
      id={id}
      load={() =>
        unwrap(api.GET('/approval/status/{approval_id}', { params: { path: { approval_id: id } } }))
      }
    >
      {(request) => (
        <>
          <h2>Context</h2>
          <p>{request.context || <span class="muted">No context given.</span>}</p>
          <h2>Decision information</h2>
          <JsonBlock value={request.decision_info} label="Decision information" />
          {request.deletion_info && (
            <>
              <h2>What would be deleted</h2>
              <JsonBlock value={request.deletion_info} label="Deletion information" />
            </>
          )}
        </>
      )}
    </RequestReview>
  );
}

const VERDICTS: Record<string, string> = {
  never_auto_approve: 'needs a human (protected)',
  auto_approve: 'allowed by policy',
  requires_approval: 'needs a human (no rule matched: default deny)',
};

export function ReviewGovernancePage({ id }: { id: string }) {
  return (
    <RequestReview
      kind="governance_request"
      id={id}
      load={() =>
        unwrap(api.GET('/governance/requests/{request_id}', { params: { path: { request_id: id } } }))
      }
    >
      {(request) => (
        <>
          <h2>Reason</h2>
          <p>{request.reason}</p>
          <h2>Paths against the policy</h2>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">
                Each requested path and the policy pattern that decided it
              </caption>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Normalized</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Matched pattern</th>
                </tr>
              </thead>
              <tbody>
                {request.paths.map((path) => (
                  <tr key={path.path}>
                    <td>
                      <code>{path.path}</code>
                    </td>
                    <td>
                      <code>{path.normalized}</code>
                    </td>
                    <td>{VERDICTS[path.decision] ?? path.decision}</td>
                    <td>
                      <code>{path.rule}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </RequestReview>
  );
}
