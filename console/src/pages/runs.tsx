import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { useResource } from '../api/use-resource';
import { Pager } from '../components/pager';
import { ListState } from '../components/status';
import { Time } from '../components/time';
import { RUN_STATES, humanState, useTitle, type RunState } from '../ops/shared';
import { Progress, StateBadge } from '../ops/state-badge';
import { Link, navigate, useLocation } from '../router';
import '../styles/ops.css';

const PAGE_SIZE = 25;

/** `2026-12-03T10:00` (a datetime-local value, the reader's local time) → ISO-8601 UTC, or undefined. */
function toIso(local: string | null): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Runs, newest first: filters by state and creation time, keyset paging; all of it in the URL. */
export function RunsPage() {
  useTitle('Runs');
  const { query } = useLocation();
  const state = query.get('state') ?? '';
  const after = query.get('from') ?? '';
  const before = query.get('to') ?? '';
  const cursor = query.get('cursor') ?? '';
  const [form, setForm] = useState({ state, after, before });

  const runs = useResource(
    () =>
      unwrap(
        api.GET('/runs', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(state ? { state: state as RunState } : {}),
              ...(toIso(after) ? { created_after: toIso(after) } : {}),
              ...(toIso(before) ? { created_before: toIso(before) } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    [state, after, before, cursor],
  );

  const go = (next: { state: string; after: string; before: string; cursor?: string }) => {
    const q = new URLSearchParams();
    if (next.state) q.set('state', next.state);
    if (next.after) q.set('from', next.after);
    if (next.before) q.set('to', next.before);
    if (next.cursor) q.set('cursor', next.cursor);
    const text = q.toString();
    navigate(`/runs${text ? `?${text}` : ''}`);
  };

  return (
    <>
      <h1>Runs</h1>
      <form
        class="filters"
        aria-label="Filter runs"
        onSubmit={(event) => {
          event.preventDefault();
          go(form);
        }}
      >
        <div class="field">
          <label for="run-state">State</label>
          <select
            id="run-state"
            value={form.state}
            onChange={(e) => setForm({ ...form, state: e.currentTarget.value })}
          >
            <option value="">Any state</option>
            {RUN_STATES.map((s) => (
              <option key={s} value={s}>
                {humanState(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="run-from">Created from</label>
          <input
            id="run-from"
            type="datetime-local"
            value={form.after}
            onInput={(e) => setForm({ ...form, after: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="run-to">Created until</label>
          <input
            id="run-to"
            type="datetime-local"
            value={form.before}
            onInput={(e) => setForm({ ...form, before: e.currentTarget.value })}
          />
        </div>
        <div class="field field-buttons">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              setForm({ state: '', after: '', before: '' });
              go({ state: '', after: '', before: '' });
            }}
          >
            Clear
          </button>
        </div>
      </form>

      <ListState
        resource={runs}
        errorTitle="Could not load runs"
        loading="runs"
        isEmpty={(data) => data.runs.length === 0}
        empty={state || after || before ? 'No run matches these filters.' : 'No runs yet.'}
      >
        {(data) => (
          <>
            <p class="muted" role="status">
              {data.total_exact ? data.total : `${data.total}+`} run
              {data.total === 1 ? '' : 's'}
            </p>
            <div class="table-wrap">
              <table class="list stack-sm">
                <caption class="visually-hidden">Runs, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">State</th>
                    <th scope="col">Phases</th>
                    <th scope="col">Issues</th>
                    <th scope="col">Tokens</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {data.runs.map((run) => (
                    <tr key={run.id}>
                      <th scope="row">
                        <Link href={`/runs/${encodeURIComponent(run.id)}`}>{run.id}</Link>
                      </th>
                      <td data-label="State">
                        <StateBadge state={run.state} />
                      </td>
                      <td data-label="Phases">
                        <Progress
                          done={run.phases_completed}
                          total={run.phases_total}
                          label={`Phases of ${run.id} complete`}
                        />
                        {run.phases_failed > 0 && <span class="tone-bad"> {run.phases_failed} failed</span>}
                      </td>
                      <td data-label="Issues">
                        {run.major_issues_count} major, {run.minor_issues_count} minor
                      </td>
                      <td data-label="Tokens">
                        {run.tokens_used.toLocaleString()}
                        {run.token_cap ? ` / ${run.token_cap.toLocaleString()}` : ''}
                      </td>
                      <td data-label="Created">
                        <Time iso={run.created_at} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              label="Runs pages"
              nextCursor={data.next_cursor}
              atFirst={!cursor}
              onFirst={() => go({ state, after, before })}
              onNext={(next) => go({ state, after, before, cursor: next })}
            />
          </>
        )}
      </ListState>
    </>
  );
}
