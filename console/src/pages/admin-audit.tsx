import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import type { components, paths } from '../api/schema';
import { useResource } from '../api/use-resource';
import { Pager } from '../components/pager';
import { ErrorView, ListState, Loading } from '../components/status';
import { Time } from '../components/time';
import { AdminShell } from '../ops/admin-shell';
import { navigate, useLocation } from '../router';
import '../styles/ops.css';

type AuditQuery = NonNullable<paths['/audit/events']['get']['parameters']['query']>;

const SUBJECT_TYPES = [
  'action',
  'api_key',
  'approval',
  'credential',
  'governance_request',
  'kill_switch',
  'phase',
  'run',
  'session',
  'spend_cap',
  'system',
  'user',
  'webhook',
];

const FILTERS = ['event_type', 'subject_type', 'subject_id', 'actor_id', 'run_id', 'since', 'until'] as const;
type Filter = (typeof FILTERS)[number];
const LABELS: Record<Filter, string> = {
  event_type: 'Event type',
  subject_type: 'Subject type',
  subject_id: 'Subject id',
  actor_id: 'Actor id',
  run_id: 'Run id',
  since: 'Since',
  until: 'Until',
};

function Verification() {
  const result = useResource(() => unwrap(api.GET('/audit/verify')), []);
  return (
    <section aria-labelledby="chain-title" class="panel">
      <h2 id="chain-title">Chain verification</h2>
      {result.state === 'loading' && <Loading what="the verification of the audit chain" />}
      {result.state === 'error' && <ErrorView error={result.error} title="Could not verify the chain" />}
      {result.state === 'ready' && result.data.intact && (
        <p role="status">
          <span class="pill tone-ok">Intact</span> {result.data.count.toLocaleString()} events verified{' '}
          <Time iso={result.data.verified_at} />; head <code class="hash">{result.data.head_hash}</code>
        </p>
      )}
      {result.state === 'ready' && !result.data.intact && (
        <div class="notice notice-error" role="alert">
          <p class="notice-title">Broken at position {result.data.position}</p>
          <p>{result.data.message}</p>
          <p class="muted">{result.data.count} events before it verified.</p>
        </div>
      )}
      <button type="button" onClick={result.reload} disabled={result.state === 'loading'}>
        Verify again
      </button>
    </section>
  );
}

function toIso(local: string): string | undefined {
  const date = new Date(local);
  return local && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** The audit log, newest first, with filters and keyset paging, and the chain's verification. */
function AdminAuditBody() {
  const { query } = useLocation();
  const values = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<Filter, string>;
  const cursor = query.get('cursor') ?? '';
  const [form, setForm] = useState(values);
  const key = query.toString();
  const events = useResource(() => {
    const q: Record<string, string | number> = { limit: 50 };
    for (const f of FILTERS) {
      const v = f === 'since' || f === 'until' ? toIso(values[f]) : values[f].trim();
      if (v) q[f] = v;
    }
    if (cursor) q.cursor = cursor;
    // The values are the form's, checked by the API (a bad one is a 400 shown with its message).
    return unwrap(api.GET('/audit/events', { params: { query: q as AuditQuery } }));
  }, [key]);
  const go = (next: Record<Filter, string>, nextCursor?: string) => {
    const q = new URLSearchParams();
    for (const f of FILTERS) if (next[f]) q.set(f, next[f]);
    if (nextCursor) q.set('cursor', nextCursor);
    const text = q.toString();
    navigate(`/admin${text ? `?${text}` : ''}`);
  };

  return (
    <>
      <Verification />
      <h2>Events</h2>
      <form
        class="filters"
        aria-label="Filter audit events"
        onSubmit={(e) => {
          e.preventDefault();
          go(form);
        }}
      >
        {FILTERS.map((f) => (
          <div class="field" key={f}>
            <label for={`audit-${f}`}>{LABELS[f]}</label>
            {f === 'subject_type' ? (
              <select
                id={`audit-${f}`}
                value={form[f]}
                onChange={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
              >
                <option value="">Any</option>
                {SUBJECT_TYPES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={`audit-${f}`}
                type={f === 'since' || f === 'until' ? 'datetime-local' : 'text'}
                value={form[f]}
                onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
              />
            )}
          </div>
        ))}
        <div class="field field-buttons">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              const empty = Object.fromEntries(FILTERS.map((f) => [f, ''])) as Record<Filter, string>;
              setForm(empty);
              go(empty);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ListState
        resource={events}
        errorTitle="Could not load audit events"
        loading="audit events"
        isEmpty={(data) => data.events.length === 0}
        empty="No audit event matches."
      >
        {(data) => (
          <>
            <div class="table-wrap">
              <table class="list stack-sm">
                <caption class="visually-hidden">Audit events, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">When</th>
                    <th scope="col">Event</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((e: components['schemas']['AuditEventDto']) => (
                    <tr key={e.event_id}>
                      <td>{e.position}</td>
                      <td>
                        <Time iso={e.occurred_at} />
                      </td>
                      <th scope="row">{e.event_type}</th>
                      <td>
                        {e.actor.name} <span class="muted">({e.actor.id})</span>
                      </td>
                      <td>
                        {e.subject.type} <code>{e.subject.id}</code>
                      </td>
                      <td>
                        <details>
                          <summary>Details of event {e.position}</summary>
                          <pre class="json">{JSON.stringify(e.details, null, 2)}</pre>
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              label="Audit pages"
              nextCursor={data.next_cursor}
              atFirst={!cursor}
              onFirst={() => go(values)}
              onNext={(next) => go(values, next)}
            />
          </>
        )}
      </ListState>
    </>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminAuditPage() {
  return (
    <AdminShell title="Audit log" section="/admin">
      <AdminAuditBody />
    </AdminShell>
  );
}
