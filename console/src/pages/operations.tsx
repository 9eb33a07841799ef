import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { useResource } from '../api/use-resource';
import { ListState } from '../components/status';
import { Time } from '../components/time';
import { dollars, useTitle } from '../ops/shared';
import '../styles/ops.css';

type Switches = components['schemas']['KillSwitchesDto'];
type Credential = components['schemas']['CredentialHealthDto'];

/**
 * What each switch means when on. Switches named `…_ENABLED` let something happen: off, they are tripped
 * (claims refused). Dry-run is the reverse: on, nothing real happens.
 */
function describeSwitch(name: string, on: boolean): { state: string; tone: string; meaning: string } {
  if (name === 'AUTOPACK_SIDE_EFFECTS_DRY_RUN') {
    return on
      ? {
          state: 'Dry run on',
          tone: 'tone-idle',
          meaning: 'granted claims are dry runs: nothing real happens',
        }
      : { state: 'Live', tone: 'tone-busy', meaning: 'granted claims execute for real' };
  }
  if (name === 'AUTOPACK_EXTERNAL_ACTIONS_ENABLED') {
    return on
      ? { state: 'Enabled', tone: 'tone-ok', meaning: 'claims may be granted' }
      : { state: 'Tripped', tone: 'tone-bad', meaning: 'global kill switch: every claim is refused' };
  }
  if (name.startsWith('AUTOPACK_ENABLE_') && name !== 'AUTOPACK_ENABLE_CONSOLIDATED_METRICS') {
    return on
      ? { state: 'Enabled', tone: 'tone-ok', meaning: 'domain switch: its providers may execute' }
      : { state: 'Tripped', tone: 'tone-bad', meaning: 'domain switch: claims of its providers are refused' };
  }
  return on
    ? { state: 'On', tone: 'tone-ok', meaning: '' }
    : { state: 'Off', tone: 'tone-muted', meaning: '' };
}

function Use({
  label,
  used,
  cap,
  format,
}: {
  label: string;
  used: number;
  cap: number;
  format: (n: number) => string;
}) {
  const over = cap > 0 && used >= cap;
  return (
    <div class="meter">
      <p>
        <strong>{label}</strong>: {format(used)} of{' '}
        {cap > 0 ? format(cap) : 'no cap (0: nothing may be spent)'}
        {over && <span class="tone-bad"> — cap reached</span>}
      </p>
      {cap > 0 && <progress max={cap} value={Math.min(used, cap)} aria-label={`${label} against the cap`} />}
    </div>
  );
}

function SwitchesSection({ data }: { data: Switches }) {
  const entries = Object.entries(data.switches);
  return (
    <>
      <div class="table-wrap">
        <table class="list stack-sm">
          <caption class="visually-hidden">Kill switches</caption>
          <thead>
            <tr>
              <th scope="col">Switch</th>
              <th scope="col">State</th>
              <th scope="col">Meaning</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, on]) => {
              const d = describeSwitch(name, on);
              return (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <span class={`pill ${d.tone}`}>{d.state}</span>
                  </td>
                  <td>{d.meaning}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Today's use ({data.day} UTC)</h2>
      <Use label="Spend" used={data.spent_cents} cap={data.max_daily_spend_cents} format={dollars} />
      <Use label="Actions" used={data.actions} cap={data.max_actions_per_day} format={(n) => String(n)} />
    </>
  );
}

const HEALTH_TONE: Record<Credential['status'], string> = {
  valid: 'tone-ok',
  expiring: 'tone-idle',
  refresh_pending: 'tone-busy',
  expired: 'tone-bad',
  refresh_failed: 'tone-bad',
  revoked: 'tone-bad',
  not_configured: 'tone-muted',
};

function CredentialsSection({ providers }: { providers: Credential[] }) {
  return (
    <div class="table-wrap">
      <table class="list stack-sm">
        <caption class="visually-hidden">Provider credentials</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Health</th>
            <th scope="col">Expires</th>
            <th scope="col">Last refreshed</th>
            <th scope="col">Failures</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => (
            <tr key={p.provider}>
              <th scope="row">{p.provider}</th>
              <td>
                <span class={`pill ${HEALTH_TONE[p.status] ?? 'tone-muted'}`}>
                  {p.status.replace(/_/g, ' ')}
                </span>
              </td>
              <td>
                <Time iso={p.expires_at} />
              </td>
              <td>
                <Time iso={p.last_refreshed_at} />
              </td>
              <td>
                {p.consecutive_failures} in a row, {p.total_failures} in all
              </td>
              <td>{p.last_error ?? <span class="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Kill switches, dry-run, today's spend and action count against the caps, provider credential health. */
export function OperationsPage() {
  useTitle('Operations');
  const switches = useResource(() => unwrap(api.GET('/external-actions/kill-switches')), []);
  const health = useResource(() => unwrap(api.GET('/api/auth/oauth/health')), []);
  return (
    <>
      <h1>Operations</h1>
      <p class="muted">
        Read-only: switches and caps are set by the server's configuration (environment variables), not here.
      </p>
      <h2>Kill switches and dry run</h2>
      <ListState resource={switches} errorTitle="Could not load the kill switches" loading="kill switches">
        {(data) => <SwitchesSection data={data} />}
      </ListState>
      <h2>Provider credentials</h2>
      <ListState
        resource={health}
        errorTitle="Could not load credential health"
        loading="credential health"
        isEmpty={(data) => data.providers.length === 0}
        empty="No provider credential is configured."
      >
        {(data) => <CredentialsSection providers={data.providers} />}
      </ListState>
      <p>
        <button
          type="button"
          onClick={() => {
            switches.reload();
            health.reload();
          }}
        >
          Refresh
        </button>
      </p>
    </>
  );
}
