import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { useMe } from '../api/use-me';
import { useResource } from '../api/use-resource';
import { useWrite } from '../api/use-write';
import { ConfirmDialog } from '../components/dialog';
import { PathPager } from '../components/pager';
import { SecretOnce } from '../components/secret-once';
import { ErrorView, ListState } from '../components/status';
import { Time } from '../components/time';
import { AdminShell } from '../ops/admin-shell';
import { Link, useLocation } from '../router';
import '../styles/ops.css';

type User = components['schemas']['UserDto'];
type Role = User['role'];
const ROLES: Role[] = ['viewer', 'operator', 'admin'];

function CreateUserForm({ onCreated }: { onCreated: (link: string | null) => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [password, setPassword] = useState('');
  const write = useWrite();
  const submit = (event: Event) => {
    event.preventDefault();
    let link: string | null = null;
    void write
      .run(async () => {
        const created = await unwrap(
          api.POST('/api/auth/users', {
            body: { username: username.trim(), role, ...(password ? { password } : {}) },
          }),
        );
        link = created.set_password?.set_password_token ?? null;
      })
      .then((ok) => {
        if (!ok) return;
        setUsername('');
        setPassword('');
        onCreated(link);
      });
  };
  return (
    <form class="stack panel" aria-labelledby="create-user-title" onSubmit={submit}>
      <h2 id="create-user-title">Create a user</h2>
      {write.error && <ErrorView error={write.error} title="The user was not created" />}
      <label for="new-username">New username</label>
      <input
        id="new-username"
        required
        autoComplete="off"
        value={username}
        onInput={(e) => setUsername(e.currentTarget.value)}
      />
      <label for="new-role">Role</label>
      <select id="new-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <label for="new-password">Initial password (optional: leave empty for a set-password token)</label>
      <input
        id="new-password"
        type="password"
        autoComplete="new-password"
        minLength={12}
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <div>
        <button type="submit" class="primary" disabled={write.busy}>
          Create user
        </button>
      </div>
    </form>
  );
}

function UserRow({
  user,
  self,
  onChanged,
  onToken,
}: {
  user: User;
  self: boolean;
  onChanged: () => void;
  onToken: (t: string) => void;
}) {
  const [role, setRole] = useState<Role>(user.role);
  const [dialog, setDialog] = useState<'role' | 'disable' | 'reset' | null>(null);
  const write = useWrite();
  const path = { id: user.id };
  const done = (ok: boolean) => {
    setDialog(null);
    if (ok) onChanged();
  };
  return (
    <tr>
      <th scope="row">
        <Link href={`/admin/users/${encodeURIComponent(user.id)}`}>{user.username}</Link>
        {self && <span class="muted"> (you)</span>}
      </th>
      <td>
        <span class="row">
          <label for={`role-${user.id}`} class="visually-hidden">
            Role of {user.username}
          </label>
          <select
            id={`role-${user.id}`}
            value={role}
            disabled={self}
            onChange={(e) => setRole(e.currentTarget.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {role !== user.role && (
            <button type="button" onClick={() => setDialog('role')}>
              Save role of {user.username}
            </button>
          )}
        </span>
      </td>
      <td>
        <span class={`pill ${user.disabled ? 'tone-bad' : 'tone-ok'}`}>
          {user.disabled ? 'disabled' : 'enabled'}
        </span>
      </td>
      <td>
        <Time iso={user.created_at} />
      </td>
      <td class="row">
        {!self && (
          <button type="button" onClick={() => setDialog('disable')}>
            {user.disabled ? 'Enable' : 'Disable'} {user.username}
          </button>
        )}
        <button type="button" onClick={() => setDialog('reset')}>
          Reset password of {user.username}
        </button>
        {write.error && <ErrorView error={write.error} title="The change was refused" />}
        <ConfirmDialog
          open={dialog === 'role'}
          title={`Make ${user.username} ${role === 'admin' ? 'an' : 'a'} ${role}?`}
          confirmLabel="Change role"
          busy={write.busy}
          onClose={() => {
            setDialog(null);
            setRole(user.role);
          }}
          onConfirm={() =>
            void write
              .run(() => unwrap(api.PATCH('/api/auth/users/{id}', { params: { path }, body: { role } })))
              .then(done)
          }
        >
          <p>Their sessions end; they sign in again with the new role.</p>
        </ConfirmDialog>
        <ConfirmDialog
          open={dialog === 'disable'}
          title={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}?`}
          confirmLabel={user.disabled ? 'Enable user' : 'Disable user'}
          danger={!user.disabled}
          busy={write.busy}
          onClose={() => setDialog(null)}
          onConfirm={() =>
            void write
              .run(() =>
                unwrap(
                  api.PATCH('/api/auth/users/{id}', { params: { path }, body: { disabled: !user.disabled } }),
                ),
              )
              .then(done)
          }
        >
          <p>
            {user.disabled
              ? 'They can sign in again.'
              : 'Their tokens stop working at once and they cannot sign in.'}
          </p>
        </ConfirmDialog>
        <ConfirmDialog
          open={dialog === 'reset'}
          title={`Reset the password of ${user.username}?`}
          confirmLabel="Reset password"
          danger
          busy={write.busy}
          onClose={() => setDialog(null)}
          onConfirm={() =>
            void write
              .run(async () => {
                const result = await unwrap(
                  api.POST('/api/auth/users/{id}/password', { params: { path }, body: {} }),
                );
                if (result.set_password) onToken(result.set_password.set_password_token);
              })
              .then(done)
          }
        >
          <p>
            The old password stops working and their sessions end; you get a one-time set-password token to
            pass on.
          </p>
        </ConfirmDialog>
      </td>
    </tr>
  );
}

/** Users: create, change role, disable or enable, reset a password; each user's sessions one click away. */
function AdminUsersBody() {
  const me = useMe();
  const { query } = useLocation();
  const cursor = query.get('cursor') ?? '';
  const users = useResource(
    () =>
      unwrap(api.GET('/api/auth/users', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } })),
    [cursor],
  );
  const [token, setToken] = useState<string | null>(null);
  return (
    <>
      {token && <SecretOnce label="Set-password token" secret={token} onDone={() => setToken(null)} />}
      <CreateUserForm
        onCreated={(link) => {
          if (link) setToken(link);
          users.reload();
        }}
      />
      <h2>All users</h2>
      <ListState
        resource={users}
        errorTitle="Could not load users"
        loading="users"
        isEmpty={(data) => data.users.length === 0}
        empty="No users."
      >
        {(data) => (
          <div class="table-wrap">
            <table class="list stack-sm">
              <caption class="visually-hidden">Users</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.users.map((u) => (
                  <UserRow
                    key={`${u.id}-${u.role}-${u.disabled}`}
                    user={u}
                    self={u.id === me?.id}
                    onChanged={users.reload}
                    onToken={setToken}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
      {users.data && (
        <PathPager
          label="User pages"
          path="/admin/users"
          cursor={cursor}
          nextCursor={users.data.next_cursor}
        />
      )}
    </>
  );
}

/** One user's active sessions: where they are signed in; end one, or all. */
function AdminUserSessionsBody({ id }: { id: string }) {
  const sessions = useResource(
    () => unwrap(api.GET('/api/auth/users/{id}/sessions', { params: { path: { id } } })),
    [id],
  );
  const [ending, setEnding] = useState<string | 'all' | null>(null);
  const write = useWrite();
  const end = () =>
    void write
      .run(() =>
        ending === 'all'
          ? unwrap(api.DELETE('/api/auth/users/{id}/sessions', { params: { path: { id } } }))
          : unwrap(
              api.DELETE('/api/auth/users/{id}/sessions/{session_id}', {
                params: { path: { id, session_id: ending ?? '' } },
              }),
            ),
      )
      .then(() => {
        setEnding(null);
        sessions.reload();
      });
  return (
    <>
      <p class="crumbs">
        <Link href="/admin/users">Users</Link> / <code>{id}</code>
      </p>
      {write.error && <ErrorView error={write.error} title="The session was not ended" />}
      <ListState
        resource={sessions}
        errorTitle="Could not load the sessions"
        loading="sessions"
        isEmpty={(data) => data.sessions.length === 0}
        empty="This user has no active session."
      >
        {(data) => (
          <>
            <ul class="plain sessions">
              {data.sessions.map((s) => (
                <li key={s.id}>
                  <strong>{s.method}</strong> sign-in <Time iso={s.created_at} />, last used{' '}
                  <Time iso={s.last_used_at} />, ends by <Time iso={s.expires_at} />
                  <br />
                  <span class="muted">
                    {s.user_agent ?? 'unknown browser'} from {s.ip_address ?? 'unknown address'}
                    {s.current ? ' (this session)' : ''}
                  </span>{' '}
                  <button type="button" class="danger" onClick={() => setEnding(s.id)}>
                    Revoke session {s.id.slice(0, 8)}
                  </button>
                </li>
              ))}
            </ul>
            <button type="button" class="danger" onClick={() => setEnding('all')}>
              Revoke all sessions
            </button>
          </>
        )}
      </ListState>
      <ConfirmDialog
        open={ending !== null}
        title={ending === 'all' ? 'Revoke every session of this user?' : 'Revoke this session?'}
        confirmLabel="Revoke"
        danger
        busy={write.busy}
        onClose={() => setEnding(null)}
        onConfirm={end}
      >
        <p>The browser signed in there is signed out at its next request.</p>
      </ConfirmDialog>
    </>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminUsersPage() {
  return (
    <AdminShell title="Users" section="/admin/users">
      <AdminUsersBody />
    </AdminShell>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminUserSessionsPage({ id }: { id: string }) {
  return (
    <AdminShell title="Sessions of a user" section="/admin/users">
      <AdminUserSessionsBody id={id} />
    </AdminShell>
  );
}
