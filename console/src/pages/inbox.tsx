import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { KIND_LABELS, reject, reviewPath, type InboxItem, type InboxKind } from '../api/decisions';
import { asApiError, type ApiError } from '../api/errors';
import { useLiveReload } from '../api/live';
import { useResource } from '../api/use-resource';
import { Pager } from '../components/pager';
import { ErrorView, ListState } from '../components/status';
import { Age, Countdown, useNow } from '../components/time';
import { Link, navigate, useLocation } from '../router';

const KINDS = Object.keys(KIND_LABELS) as InboxKind[];
/** Event types that can add, change or remove an inbox item. */
const RELEVANT = /^(approval|governance_request|action)\./;

function useInbox(kind: InboxKind | undefined, runId: string | undefined, cursor: string) {
  return useResource(
    () =>
      unwrap(
        api.GET('/inbox', {
          params: { query: { kind, run_id: runId, limit: 100, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [kind, runId, cursor],
  );
}

/** The home page: every decision waiting for you, live. */
export function InboxPage() {
  const { query } = useLocation();
  const kindParam = query.get('kind');
  const kind = KINDS.includes(kindParam as InboxKind) ? (kindParam as InboxKind) : undefined;
  const runId = query.get('run_id')?.trim() || undefined;
  const cursor = query.get('cursor') ?? '';
  const inbox = useInbox(kind, runId, cursor);
  const now = useNow();
  useLiveReload((event) => RELEVANT.test(event.type), inbox.reload);

  const [bulkResult, setBulkResult] = useState<string | null>(null);
  const count = inbox.data?.total;
  useEffect(() => {
    document.title = count === undefined ? 'Inbox · Autopack' : `(${count}) Inbox · Autopack`;
  }, [count]);

  /** A filter or a page: a new filter starts again at the newest page. */
  const setQuery = (name: 'kind' | 'run_id' | 'cursor', value: string) => {
    const next = new URLSearchParams(query);
    if (name !== 'cursor') next.delete('cursor');
    if (value) next.set(name, value);
    else next.delete(name);
    const search = next.toString();
    navigate(search ? `/?${search}` : '/', { replace: name !== 'cursor' });
  };

  return (
    <>
      <h1>Inbox</h1>
      <p class="muted">Every decision waiting for you, newest first. It updates by itself.</p>
      <Filters kind={kind} runId={runId ?? ''} onChange={setQuery} />
      <ListState
        resource={inbox}
        errorTitle="Could not load the inbox"
        loading="the inbox"
        isEmpty={(data) => data.items.length === 0}
        empty={`Nothing is waiting for you${kind || runId ? ' with these filters' : ''}.`}
      >
        {(data) => (
          <InboxTable
            items={data.items}
            total={data.total}
            now={now}
            onChanged={inbox.reload}
            onBulkDone={setBulkResult}
          />
        )}
      </ListState>
      {inbox.data && (
        <Pager
          label="Inbox pages"
          nextCursor={inbox.data.next_cursor}
          atFirst={!cursor}
          onFirst={() => setQuery('cursor', '')}
          onNext={(next) => setQuery('cursor', next)}
        />
      )}
      {/* Here, not in the bulk form: rejecting the last items empties the inbox and unmounts the form. */}
      {bulkResult && (
        <p role="status" aria-live="polite">
          {bulkResult}
        </p>
      )}
    </>
  );
}

function Filters({
  kind,
  runId,
  onChange,
}: {
  kind: InboxKind | undefined;
  runId: string;
  onChange: (name: 'kind' | 'run_id', value: string) => void;
}) {
  const [run, setRun] = useState(runId);
  useEffect(() => setRun(runId), [runId]);
  return (
    <form
      class="filters"
      aria-label="Filter the inbox"
      onSubmit={(event) => {
        event.preventDefault();
        onChange('run_id', run.trim());
      }}
    >
      <div class="field">
        <label for="inbox-kind">Kind</label>
        <select id="inbox-kind" value={kind ?? ''} onChange={(e) => onChange('kind', e.currentTarget.value)}>
          <option value="">All kinds</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="inbox-run">Run</label>
        <input
          id="inbox-run"
          value={run}
          placeholder="run id"
          onInput={(e) => setRun(e.currentTarget.value)}
        />
      </div>
      <button type="submit">Apply filter</button>
    </form>
  );
}

function InboxTable({
  items,
  total,
  now,
  onChanged,
  onBulkDone,
}: {
  items: InboxItem[];
  total: number;
  now: number;
  onChanged: () => void;
  onBulkDone: (result: string) => void;
}) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const decidable = items.filter((item) => item.may_decide);
  // Forget selections of items that left the inbox.
  const live = new Set(items.map((item) => item.id));
  const chosen = [...selected].filter((id) => live.has(id));
  const toggle = (id: string) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allChosen = decidable.length > 0 && decidable.every((item) => selected.has(item.id));

  return (
    <>
      <p class="muted" aria-live="polite">
        {items.length < total ? `Showing ${items.length} of ${total} items` : `${total} waiting`}
      </p>
      <div class="table-wrap">
        <table class="inbox">
          <caption class="visually-hidden">Items waiting for a decision</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every item you may decide"
                  checked={allChosen}
                  disabled={decidable.length === 0}
                  onChange={() => setSelected(allChosen ? new Set() : new Set(decidable.map((i) => i.id)))}
                />
              </th>
              <th scope="col">Kind</th>
              <th scope="col">Summary</th>
              <th scope="col">Run</th>
              <th scope="col">Age</th>
              <th scope="col">Expiry</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td>
                  {item.may_decide && (
                    <input
                      type="checkbox"
                      aria-label={`Select ${item.summary}`}
                      checked={selected.has(item.id)}
                      onChange={() => toggle(item.id)}
                    />
                  )}
                </td>
                <td>
                  {KIND_LABELS[item.kind]}
                  {item.provider && (
                    <span class="muted">
                      {' '}
                      {item.provider}/{item.action} · tier {item.tier}
                    </span>
                  )}
                </td>
                <td>
                  <Link href={reviewPath(item.kind, item.id)}>{item.summary}</Link>
                  {item.approvals_required > 1 && (
                    <span class="badge">
                      {item.approvals}/{item.approvals_required} approvals
                    </span>
                  )}
                </td>
                <td>{item.run_id ? <code>{item.run_id}</code> : <span class="muted">—</span>}</td>
                <td>
                  <Age iso={item.created_at} now={now} />
                </td>
                <td>
                  <Countdown iso={item.expires_at} now={now} />
                </td>
                <td>
                  {item.may_decide ? (
                    <Link
                      class="button"
                      href={reviewPath(item.kind, item.id)}
                      aria-label={`Review ${item.summary}`}
                    >
                      Review
                    </Link>
                  ) : (
                    <span class="why-not">{item.reason_message}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <BulkReject
        items={items.filter((item) => chosen.includes(item.id))}
        onStart={() => onBulkDone('')}
        onDone={(result) => {
          setSelected(new Set());
          onBulkDone(result);
          onChanged();
        }}
      />
    </>
  );
}

/** Rejects the selected items with one reason: one call per item, each audited by its own route. */
function BulkReject({
  items,
  onStart,
  onDone,
}: {
  items: InboxItem[];
  onStart: () => void;
  onDone: (result: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<Array<{ item: InboxItem; error: ApiError }>>([]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (items.length === 0 || !reason.trim()) return;
    setBusy(true);
    onStart();
    const failed: Array<{ item: InboxItem; error: ApiError }> = [];
    for (const item of items) {
      try {
        await reject(item.kind, item.id, reason.trim(), item.payload_hash);
      } catch (error) {
        failed.push({ item, error: asApiError(error) });
      }
    }
    setFailures(failed);
    setBusy(false);
    if (failed.length === 0) setReason('');
    onDone(`Rejected ${items.length - failed.length} of ${items.length}.`);
  };

  return (
    <form class="bulk" aria-label="Reject selected items" onSubmit={submit}>
      <h2>Reject selected</h2>
      <label for="bulk-reason">Reason for rejecting the {items.length} selected</label>
      <textarea
        id="bulk-reason"
        rows={2}
        required
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <div>
        <button type="submit" class="danger" disabled={busy || items.length === 0 || !reason.trim()}>
          {busy ? 'Rejecting…' : `Reject ${items.length} selected`}
        </button>
      </div>
      {failures.map(({ item, error }) => (
        <ErrorView key={item.id} error={error} title={`Could not reject “${item.summary}”`} />
      ))}
    </form>
  );
}
