import { useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { KIND_LABELS, reviewPath } from '../api/decisions';
import { asApiError, type ApiError } from '../api/errors';
import { useLiveEvents, useLiveStatus } from '../api/live';
import { mayOperate, useMe } from '../api/use-me';
import { useResource } from '../api/use-resource';
import type { components } from '../api/schema';
import { ConfirmDialog } from '../components/dialog';
import { DiffView } from '../components/diff';
import { Empty, ErrorView, ListState, Loading } from '../components/status';
import { Time } from '../components/time';
import { dollars, isFinished, useTitle } from '../ops/shared';
import { Progress, StateBadge } from '../ops/state-badge';
import { Link } from '../router';
import '../styles/ops.css';

type Run = components['schemas']['RunResponseDto'];
type Phase = components['schemas']['PhaseResponseDto'];
/** Pending requests of each kind listed here; the inbox, filtered by this run, pages through the rest. */
const WAITING_LIMIT = 100;

/** The events that change what this page shows. */
const LIVE_TYPES = [
  'run.state_changed',
  'run.cancelled',
  'run.token_cap_changed',
  'phase.state_changed',
  'phase.builder_result_recorded',
  'phase.auditor_result_recorded',
  'run.issue_recorded',
  'run.error_recorded',
  'approval.requested',
  'approval.decided',
  'governance_request.created',
  'governance_request.decided',
  'action.proposed',
  'action.approved',
  'action.rejected',
  'action.completed',
  'action.failed',
  'action.cancelled',
];

/**
 * One run: its tiers and phases with their states, progress, issues, errors, each phase's builder and
 * auditor reports (the patch as a diff), its external actions and approvals, and the operator controls
 * (cancel, retry a failed phase, token cap). Follows the event stream, so it changes without a reload.
 */
export function RunPage({ id }: { id: string }) {
  useTitle(`Run ${id}`);
  const me = useMe();
  const [version, setVersion] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout>>();
  const path = { run_id: id };
  const run = useResource(() => unwrap(api.GET('/runs/{run_id}', { params: { path } })), [id]);
  const issues = useResource(
    () => unwrap(api.GET('/runs/{run_id}/issues/index', { params: { path } })),
    [id],
  );
  const errors = useResource(
    () => unwrap(api.GET('/runs/{run_id}/errors', { params: { path, query: { limit: 50 } } })),
    [id],
  );
  const actions = useResource(
    () => unwrap(api.GET('/external-actions', { params: { query: { run_id: id, limit: 100 } } })),
    [id],
  );
  // The server keeps the run's pending requests that you may see, a keyset page per kind.
  const approvals = useResource(async () => {
    const waiting = (kind: 'approval' | 'governance_request') =>
      unwrap(api.GET('/inbox', { params: { query: { run_id: id, kind, limit: WAITING_LIMIT } } }));
    const [legacy, governance] = await Promise.all([waiting('approval'), waiting('governance_request')]);
    return {
      items: [...legacy.items, ...governance.items],
      more: legacy.next_cursor !== null || governance.next_cursor !== null,
    };
  }, [id]);

  // Several events usually come together (a phase state and its run state): one reload for the burst.
  const stream = useLiveStatus();
  useLiveEvents((event) => {
    if (event.run_id !== id || !LIVE_TYPES.includes(event.type)) return;
    clearTimeout(pending.current);
    pending.current = setTimeout(() => {
      run.reload();
      if (event.type.startsWith('run.issue')) issues.reload();
      if (event.type.startsWith('run.error')) errors.reload();
      if (event.type.startsWith('action.')) actions.reload();
      if (event.type.startsWith('approval.') || event.type.startsWith('governance_request.'))
        approvals.reload();
      if (event.type.startsWith('phase.')) setVersion((v) => v + 1);
    }, 150);
  });

  if (run.state === 'error' && !run.data) return <RunError id={id} error={run.error} />;
  if (!run.data) return <Loading what={`run ${id}`} />;
  const data = run.data;
  const phases = data.tiers.flatMap((tier) => tier.phases);
  const done = phases.filter((p) => p.state === 'COMPLETE' || p.state === 'SKIPPED').length;
  const operator = mayOperate(me);

  return (
    <>
      <p class="crumbs">
        <Link href="/runs">Runs</Link> / <span>{id}</span>
      </p>
      <h1>
        Run <code>{id}</code>
      </h1>
      <p class="live muted" role="status">
        {stream === 'live'
          ? 'Live: updates as they happen.'
          : stream === 'connecting'
            ? 'Connecting to live updates…'
            : 'Live updates interrupted; reconnecting…'}
      </p>
      {run.state === 'error' && <ErrorView error={run.error} title="Could not refresh the run" />}

      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={data.state} />
        </dd>
        <dt>Progress</dt>
        <dd>
          <Progress done={done} total={phases.length} label="Phases done" />
        </dd>
        <dt>Tokens</dt>
        <dd>
          {data.tokens_used.toLocaleString()} of {data.token_cap ? data.token_cap.toLocaleString() : 'no cap'}
        </dd>
        <dt>Issues</dt>
        <dd>
          {data.major_issues_count} major, {data.minor_issues_count} minor
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={data.created_at} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={data.started_at} />
        </dd>
        <dt>Completed</dt>
        <dd>
          <Time iso={data.completed_at} />
        </dd>
        {data.failure_reason && (
          <>
            <dt>Failure</dt>
            <dd>{data.failure_reason}</dd>
          </>
        )}
        {data.cancelled_at && (
          <>
            <dt>Cancelled</dt>
            <dd>
              <Time iso={data.cancelled_at} /> by {data.cancelled_by ?? 'unknown'}: “{data.cancel_reason}”
            </dd>
          </>
        )}
      </dl>
      <p>
        <Link href={`/runs/${encodeURIComponent(id)}/artifacts`}>Browse artifacts</Link>
      </p>

      {operator && <RunControls run={data} onChanged={run.reload} />}

      <h2>Tiers and phases</h2>
      {data.tiers.length === 0 && <Empty>This run has no tiers.</Empty>}
      {data.tiers.map((tier) => (
        <section key={tier.tier_id} class="tier" aria-labelledby={`tier-${tier.tier_id}`}>
          <h3 id={`tier-${tier.tier_id}`}>
            {tier.name} <span class="muted">({tier.tier_id})</span> <StateBadge state={tier.state} />
          </h3>
          <ul class="phases">
            {tier.phases.map((phase) => (
              <PhaseItem
                key={phase.phase_id}
                runId={id}
                phase={phase}
                version={version}
                mayRetry={operator && phase.state === 'FAILED' && data.state !== 'CANCELLED'}
                onRetried={run.reload}
              />
            ))}
          </ul>
        </section>
      ))}

      <h2>Issues</h2>
      <ListState
        resource={issues}
        errorTitle="Could not load issues"
        isEmpty={(data) => data.issues.length === 0}
        empty="No issues recorded."
      >
        {(data) => (
          <ul class="plain">
            {data.issues.map((issue) => (
              <li key={issue.issue_key}>
                <span class={`pill ${issue.severity === 'major' ? 'tone-bad' : 'tone-idle'}`}>
                  {issue.severity}
                </span>{' '}
                <strong>{issue.issue_key}</strong> ({issue.category}): {issue.description}{' '}
                <span class="muted">
                  ×{issue.occurrence_count} in {issue.seen_in_phases.join(', ')}
                </span>
              </li>
            ))}
          </ul>
        )}
      </ListState>

      <h2>Errors</h2>
      <ListState
        resource={errors}
        errorTitle="Could not load errors"
        isEmpty={(data) => data.errors.length === 0}
        empty="No errors reported."
      >
        {(data) => (
          <ul class="plain">
            {data.errors.map((e) => (
              <li key={e.id}>
                <Time iso={e.created_at} /> <strong>{e.error_type}</strong>
                {e.phase_id ? ` in ${e.phase_id}` : ''}: {e.message}
                {e.redaction_count > 0 && <span class="redaction"> [{e.redaction_count} redacted]</span>}
              </li>
            ))}
          </ul>
        )}
      </ListState>

      <h2>External actions</h2>
      <ListState
        resource={actions}
        errorTitle="Could not load external actions"
        isEmpty={(data) => data.actions.length === 0}
        empty="No external actions proposed."
      >
        {(data) => (
          <ul class="plain">
            {data.actions.map((a) => (
              <li key={a.id}>
                <Link href={`/actions/${encodeURIComponent(a.id)}`}>
                  {a.provider} {a.action}
                </Link>{' '}
                <StateBadge state={a.status} /> <span class="muted">{a.summary}</span>{' '}
                {a.estimated_spend_cents ? <span>est. {dollars(a.estimated_spend_cents)}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </ListState>

      <h2>Approvals waiting</h2>
      <ListState
        resource={approvals}
        errorTitle="Could not load approvals"
        isEmpty={(data) => data.items.length === 0}
        empty="No approval or governance request is waiting for this run."
      >
        {(data) => (
          <>
            <ul class="plain">
              {data.items.map((item) => (
                <li key={item.id}>
                  <Link href={reviewPath(item.kind, item.id)}>
                    {KIND_LABELS[item.kind]} {item.id}
                  </Link>
                  {item.phase_id ? ` (phase ${item.phase_id})` : ''}
                  {item.kind === 'governance_request' ? `: ${item.summary}` : ''}{' '}
                  <Time iso={item.created_at} />
                </li>
              ))}
            </ul>
            {data.more && (
              <p>
                <Link href={`/?run_id=${encodeURIComponent(id)}`}>
                  All that is waiting for this run, in the inbox
                </Link>
              </p>
            )}
          </>
        )}
      </ListState>
    </>
  );
}

function RunError({ id, error }: { id: string; error: ApiError }) {
  return (
    <>
      <p class="crumbs">
        <Link href="/runs">Runs</Link>
      </p>
      <h1>
        Run <code>{id}</code>
      </h1>
      <ErrorView error={error} title={error.status === 404 ? 'No such run' : 'Could not load the run'} />
    </>
  );
}

function PhaseItem({
  runId,
  phase,
  version,
  mayRetry,
  onRetried,
}: {
  runId: string;
  phase: Phase;
  version: number;
  mayRetry: boolean;
  onRetried: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST('/runs/{run_id}/phases/{phase_id}/retry', {
          params: { path: { run_id: runId, phase_id: phase.phase_id } },
        }),
      );
      setConfirm(false);
      onRetried();
    } catch (caught) {
      setError(asApiError(caught));
      setConfirm(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="phase">
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <strong>{phase.name}</strong> <span class="muted">({phase.phase_id})</span>{' '}
          <StateBadge state={phase.state} />
          {phase.major_issues_count + phase.minor_issues_count > 0 && (
            <span class="muted">
              {' '}
              {phase.major_issues_count} major, {phase.minor_issues_count} minor issues
            </span>
          )}
        </summary>
        <div class="phase-body">
          <p class="muted">{phase.description}</p>
          <p>
            Attempt {phase.attempt}, {phase.tokens_used.toLocaleString()} tokens. Started{' '}
            <Time iso={phase.started_at} />, completed <Time iso={phase.completed_at} />.
          </p>
          {open && <PhaseResults runId={runId} phaseId={phase.phase_id} version={version} />}
        </div>
      </details>
      {mayRetry && (
        <p>
          <button type="button" onClick={() => setConfirm(true)}>
            Retry phase {phase.phase_id}
          </button>
        </p>
      )}
      {error && <ErrorView error={error} title={`Could not retry ${phase.phase_id}`} />}
      <ConfirmDialog
        open={confirm}
        title={`Retry phase ${phase.phase_id}?`}
        confirmLabel="Retry phase"
        busy={busy}
        onConfirm={() => void retry()}
        onClose={() => setConfirm(false)}
      >
        <p>The phase goes back to the queue and the executor picks it up again.</p>
      </ConfirmDialog>
    </li>
  );
}

function PhaseResults({ runId, phaseId, version }: { runId: string; phaseId: string; version: number }) {
  const results = useResource(
    () =>
      unwrap(
        api.GET('/runs/{run_id}/phases/{phase_id}/results', {
          params: { path: { run_id: runId, phase_id: phaseId } },
        }),
      ),
    [runId, phaseId, version],
  );
  if (results.state === 'error') return <ErrorView error={results.error} title="Could not load results" />;
  if (!results.data) return <Loading what="builder and auditor results" />;
  const { builder_results: builder, auditor_results: auditor } = results.data;
  return (
    <>
      <h4>Builder results</h4>
      {builder.length === 0 && <p class="muted">No builder result yet.</p>}
      {builder.map((b, i) => (
        <div key={b.id} class="result">
          <p>
            <StateBadge state={b.status.toUpperCase()} /> {i === 0 ? 'latest' : `earlier (${i + 1})`},{' '}
            <Time iso={b.created_at} />: {b.files_changed.length} file
            {b.files_changed.length === 1 ? '' : 's'}, +{b.lines_added} −{b.lines_removed},{' '}
            {b.tokens_used.toLocaleString()} tokens
          </p>
          {b.notes && <p class="muted">{b.notes}</p>}
          {b.patch_content ? (
            <DiffView
              patch={b.patch_content}
              label={`Patch of ${phaseId}${i === 0 ? '' : ` (earlier ${i + 1})`}`}
            />
          ) : (
            <p class="muted">No patch.</p>
          )}
        </div>
      ))}
      <h4>Auditor results</h4>
      {auditor.length === 0 && <p class="muted">No auditor review yet.</p>}
      {auditor.map((a) => (
        <div key={a.id} class="result">
          <p>
            <strong>{a.recommendation}</strong> (confidence {a.confidence}), <Time iso={a.created_at} />:{' '}
            {a.issues_found.length} issue{a.issues_found.length === 1 ? '' : 's'} found
          </p>
          <p>{a.review_notes}</p>
        </div>
      ))}
    </>
  );
}

/** Cancel (with a reason) and the token cap: operators and admins only, each behind a confirmation. */
function RunControls({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [dialog, setDialog] = useState<'cancel' | 'cap' | null>(null);
  const [reason, setReason] = useState('');
  const [cap, setCap] = useState(run.token_cap ? String(run.token_cap) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const path = { run_id: run.id };
  const act = async (what: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      setDone(message);
      setDialog(null);
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
      setDialog(null);
    } finally {
      setBusy(false);
    }
  };
  const finished = isFinished(run.state);
  return (
    <section class="controls" aria-labelledby="controls-title">
      <h2 id="controls-title">Operator controls</h2>
      {error && <ErrorView error={error} title="The change was refused" />}
      <p role="status" class="muted">
        {done}
      </p>
      <div class="row">
        <button type="button" class="danger" disabled={finished} onClick={() => setDialog('cancel')}>
          Cancel run
        </button>
        <form
          class="inline"
          aria-label="Token cap"
          onSubmit={(e) => {
            e.preventDefault();
            setDialog('cap');
          }}
        >
          <label for="token-cap">Token cap</label>
          <input
            id="token-cap"
            type="number"
            min={1}
            step={1}
            required
            value={cap}
            onInput={(e) => setCap(e.currentTarget.value)}
          />
          <button type="submit" disabled={finished}>
            Set token cap
          </button>
        </form>
      </div>
      {finished && <p class="muted">The run has finished: nothing to cancel or budget.</p>}
      <ConfirmDialog
        open={dialog === 'cancel'}
        title={`Cancel run ${run.id}?`}
        confirmLabel="Cancel the run"
        danger
        busy={busy || reason.trim() === ''}
        onClose={() => setDialog(null)}
        onConfirm={() =>
          void act(
            () =>
              unwrap(
                api.POST('/runs/{run_id}/cancel', { params: { path }, body: { reason: reason.trim() } }),
              ),
            'Run cancelled.',
          )
        }
      >
        <p>Pending approvals and actions of this run are withdrawn; executing actions finish and report.</p>
        <label for="cancel-reason">Reason</label>
        <textarea
          id="cancel-reason"
          required
          maxLength={1000}
          rows={3}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'cap'}
        title={`Set the token cap of ${run.id} to ${Number(cap).toLocaleString()}?`}
        confirmLabel="Set token cap"
        busy={busy}
        onClose={() => setDialog(null)}
        onConfirm={() =>
          void act(
            () => unwrap(api.PATCH('/runs/{run_id}', { params: { path }, body: { token_cap: Number(cap) } })),
            'Token cap changed.',
          )
        }
      >
        <p>
          {run.tokens_used.toLocaleString()} tokens used so far; the current cap is{' '}
          {run.token_cap ? run.token_cap.toLocaleString() : 'none'}.
        </p>
      </ConfirmDialog>
    </section>
  );
}
