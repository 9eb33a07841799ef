import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { useResource } from '../api/use-resource';
import { useWrite } from '../api/use-write';
import { ConfirmDialog } from '../components/dialog';
import { PathPager } from '../components/pager';
import { SecretOnce } from '../components/secret-once';
import { ErrorView, ListState } from '../components/status';
import { Time } from '../components/time';
import { AdminShell } from '../ops/admin-shell';
import { useLocation } from '../router';
import '../styles/ops.css';

type Scope = components['schemas']['CreateApiKeyDto']['scopes'][number];
type ApiKey = components['schemas']['ApiKeyDto'];

const SCOPES: Array<{ scope: Scope; meaning: string }> = [
  { scope: 'runs:read', meaning: 'read runs, artifacts, approvals' },
  { scope: 'runs:write', meaning: 'start runs, report phases and results' },
  { scope: 'approvals:request', meaning: 'ask for approvals and governance' },
  { scope: 'actions:propose', meaning: 'propose external actions' },
  { scope: 'actions:execute', meaning: 'claim and execute approved actions' },
  { scope: 'events:read', meaning: 'read the event log and stream' },
  { scope: 'metrics:read', meaning: 'read /metrics' },
];

function MintForm({ onMinted }: { onMinted: (secret: string) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['runs:read', 'runs:write']);
  const [expires, setExpires] = useState('');
  const { busy, error, run } = useWrite();
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const expiresAt = expires ? new Date(expires).toISOString() : undefined;
      const created = await unwrap(
        api.POST('/api/auth/api-keys', {
          body: { name: name.trim(), scopes, ...(expiresAt ? { expires_at: expiresAt } : {}) },
        }),
      );
      setName('');
      onMinted(created.key);
    });
  };
  return (
    <form class="stack panel" aria-labelledby="mint-title" onSubmit={(e) => void submit(e)}>
      <h2 id="mint-title">Mint an API key</h2>
      {error && <ErrorView error={error} title="The key was not minted" />}
      <label for="key-name">Key name</label>
      <input
        id="key-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, meaning }) => (
          <div key={scope} class="check">
            <input
              type="checkbox"
              id={`scope-${scope}`}
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(e.currentTarget.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
              }
            />
            <label for={`scope-${scope}`}>
              <code>{scope}</code> <span class="muted">{meaning}</span>
            </label>
          </div>
        ))}
      </fieldset>
      <label for="key-expires">Expires (optional)</label>
      <input
        id="key-expires"
        type="datetime-local"
        value={expires}
        onInput={(e) => setExpires(e.currentTarget.value)}
      />
      <div>
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Mint key
        </button>
      </div>
    </form>
  );
}

/** API keys: mint with scopes (the secret shown once, with a copy button), list, revoke. */
function AdminApiKeysBody() {
  const { query } = useLocation();
  const cursor = query.get('cursor') ?? '';
  const keys = useResource(
    () =>
      unwrap(
        api.GET('/api/auth/api-keys', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }),
      ),
    [cursor],
  );
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const { busy, error, run } = useWrite();
  const revoke = async (key: ApiKey) => {
    await run(async () => {
      await unwrap(api.DELETE('/api/auth/api-keys/{id}', { params: { path: { id: key.id } } }));
      keys.reload();
    });
    setRevoking(null);
  };
  return (
    <>
      {secret && <SecretOnce label="New API key" secret={secret} onDone={() => setSecret(null)} />}
      <MintForm
        onMinted={(key) => {
          setSecret(key);
          keys.reload();
        }}
      />
      <h2>Keys</h2>
      {error && <ErrorView error={error} title="The key was not revoked" />}
      <ListState
        resource={keys}
        errorTitle="Could not load API keys"
        loading="API keys"
        isEmpty={(data) => data.api_keys.length === 0}
        empty="No API key yet."
      >
        {(data) => (
          <div class="table-wrap">
            <table class="list stack-sm">
              <caption class="visually-hidden">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.api_keys.map((k) => (
                  <tr key={k.id}>
                    <th scope="row">{k.name}</th>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>
                      <span class={`pill ${k.status === 'active' ? 'tone-ok' : 'tone-muted'}`}>
                        {k.status}
                      </span>
                    </td>
                    <td>
                      <Time iso={k.last_used_at} />
                    </td>
                    <td>
                      <Time iso={k.created_at} /> <span class="muted">by {k.created_by}</span>
                    </td>
                    <td>
                      {k.status === 'active' && (
                        <button type="button" class="danger" onClick={() => setRevoking(k)}>
                          Revoke {k.name}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
      {keys.data && (
        <PathPager
          label="API key pages"
          path="/admin/api-keys"
          cursor={cursor}
          nextCursor={keys.data.next_cursor}
        />
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the key ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke key"
        danger
        busy={busy}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        <p>Whatever uses it stops working at its next request. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminApiKeysPage() {
  return (
    <AdminShell title="API keys" section="/admin/api-keys">
      <AdminApiKeysBody />
    </AdminShell>
  );
}
