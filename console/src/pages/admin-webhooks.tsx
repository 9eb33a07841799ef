import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { asApiError, type ApiError } from '../api/errors';
import { EVENT_TYPES, type EventType } from '../api/event-types';
import type { components } from '../api/schema';
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

type Webhook = components['schemas']['WebhookDto'];
type Kind = components['schemas']['CreateWebhookDto']['kind'];

function CreateWebhookForm({ onCreated }: { onCreated: (secret: string) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('standard');
  const [url, setUrl] = useState('');
  const [chat, setChat] = useState('');
  const [types, setTypes] = useState<EventType[]>([
    'action.proposed',
    'approval.requested',
    'governance_request.created',
  ]);
  const { busy, error, run } = useWrite();
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const created = await unwrap(
        api.POST('/webhooks', {
          body: {
            name: name.trim(),
            kind,
            url: url.trim(),
            event_types: types,
            ...(kind === 'telegram' ? { telegram_chat_id: chat.trim() } : {}),
          },
        }),
      );
      setName('');
      setUrl('');
      onCreated(created.secret);
    });
  };
  return (
    <form class="stack panel" aria-labelledby="create-webhook-title" onSubmit={(e) => void submit(e)}>
      <h2 id="create-webhook-title">Add a webhook</h2>
      {error && <ErrorView error={error} title="The webhook was not created" />}
      <label for="hook-name">Webhook name</label>
      <input
        id="hook-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <label for="hook-kind">Kind</label>
      <select id="hook-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
        <option value="standard">standard (signed JSON)</option>
        <option value="slack">Slack</option>
        <option value="telegram">Telegram</option>
      </select>
      <label for="hook-url">URL</label>
      <input id="hook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      {kind === 'telegram' && (
        <>
          <label for="hook-chat">Telegram chat id</label>
          <input id="hook-chat" required value={chat} onInput={(e) => setChat(e.currentTarget.value)} />
        </>
      )}
      <label for="hook-types">Event types</label>
      <select
        id="hook-types"
        multiple
        size={8}
        onChange={(e) => setTypes(Array.from(e.currentTarget.selectedOptions, (o) => o.value as EventType))}
      >
        {EVENT_TYPES.map((t) => (
          <option key={t} value={t} selected={types.includes(t)}>
            {t}
          </option>
        ))}
      </select>
      <div>
        <button type="submit" class="primary" disabled={busy || types.length === 0}>
          Add webhook
        </button>
      </div>
    </form>
  );
}

/** Webhooks: list, add (signing secret shown once), disable or enable, delete; their delivery logs. */
function AdminWebhooksBody() {
  const { query } = useLocation();
  const cursor = query.get('cursor') ?? '';
  const hooks = useResource(
    () => unwrap(api.GET('/webhooks', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } })),
    [cursor],
  );
  const [secret, setSecret] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ hook: Webhook; what: 'toggle' | 'delete' } | null>(null);
  const { busy, error, run } = useWrite();
  const apply = async () => {
    if (!dialog) return;
    const path = { webhook_id: dialog.hook.id };
    await run(async () => {
      if (dialog.what === 'delete') await unwrap(api.DELETE('/webhooks/{webhook_id}', { params: { path } }));
      else
        await unwrap(
          api.PATCH('/webhooks/{webhook_id}', { params: { path }, body: { enabled: !dialog.hook.enabled } }),
        );
      hooks.reload();
    });
    setDialog(null);
  };
  return (
    <>
      {secret && <SecretOnce label="Webhook signing secret" secret={secret} onDone={() => setSecret(null)} />}
      <CreateWebhookForm
        onCreated={(s) => {
          setSecret(s);
          hooks.reload();
        }}
      />
      <h2>Webhooks</h2>
      {error && <ErrorView error={error} title="The change was refused" />}
      <ListState
        resource={hooks}
        errorTitle="Could not load webhooks"
        loading="webhooks"
        isEmpty={(data) => data.webhooks.length === 0}
        empty="No webhook yet."
      >
        {(data) => (
          <div class="table-wrap">
            <table class="list stack-sm">
              <caption class="visually-hidden">Webhooks</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Target</th>
                  <th scope="col">Status</th>
                  <th scope="col">Events</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.webhooks.map((h) => (
                  <tr key={h.id}>
                    <th scope="row">
                      <Link href={`/admin/webhooks/${encodeURIComponent(h.id)}`}>{h.name}</Link>
                    </th>
                    <td>{h.kind}</td>
                    <td>
                      <code>{h.url_hint}</code>
                    </td>
                    <td>
                      <span class={`pill ${h.enabled ? 'tone-ok' : 'tone-bad'}`}>
                        {h.enabled ? 'enabled' : 'disabled'}
                      </span>
                      {h.disabled_reason && <span class="muted"> {h.disabled_reason}</span>}
                      {h.consecutive_failures > 0 && (
                        <span class="muted"> ({h.consecutive_failures} failures)</span>
                      )}
                    </td>
                    <td>{h.event_types.length}</td>
                    <td class="row">
                      <button type="button" onClick={() => setDialog({ hook: h, what: 'toggle' })}>
                        {h.enabled ? 'Disable' : 'Enable'} {h.name}
                      </button>
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setDialog({ hook: h, what: 'delete' })}
                      >
                        Delete {h.name}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
      {hooks.data && (
        <PathPager
          label="Webhook pages"
          path="/admin/webhooks"
          cursor={cursor}
          nextCursor={hooks.data.next_cursor}
        />
      )}
      <ConfirmDialog
        open={dialog !== null}
        title={
          dialog?.what === 'delete'
            ? `Delete the webhook ${dialog.hook.name}?`
            : `${dialog?.hook.enabled ? 'Disable' : 'Enable'} the webhook ${dialog?.hook.name ?? ''}?`
        }
        confirmLabel={
          dialog?.what === 'delete'
            ? 'Delete webhook'
            : dialog?.hook.enabled
              ? 'Disable webhook'
              : 'Enable webhook'
        }
        danger={dialog?.what === 'delete'}
        busy={busy}
        onClose={() => setDialog(null)}
        onConfirm={() => void apply()}
      >
        <p>
          {dialog?.what === 'delete'
            ? 'Its delivery log goes with it. This cannot be undone.'
            : dialog?.hook.enabled
              ? 'Deliveries queue up until it is enabled again.'
              : 'Queued deliveries resume and the failure count resets.'}
        </p>
      </ConfirmDialog>
    </>
  );
}

/** One webhook's delivery log, newest first, with redeliver. */
function AdminWebhookDeliveriesBody({ id }: { id: string }) {
  const { query } = useLocation();
  const cursor = query.get('cursor') ?? '';
  const path = { webhook_id: id };
  const hook = useResource(() => unwrap(api.GET('/webhooks/{webhook_id}', { params: { path } })), [id]);
  const deliveries = useResource(
    () =>
      unwrap(
        api.GET('/webhooks/{webhook_id}/deliveries', {
          params: { path, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id, cursor],
  );
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const redeliver = async (deliveryId: string) => {
    setError(null);
    try {
      await unwrap(
        api.POST('/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { webhook_id: id, delivery_id: deliveryId } },
        }),
      );
      setDone('Queued for redelivery.');
      deliveries.reload();
    } catch (caught) {
      setError(asApiError(caught));
    }
  };
  const base = `/admin/webhooks/${encodeURIComponent(id)}`;
  return (
    <>
      <p class="crumbs">
        <Link href="/admin/webhooks">Webhooks</Link> / {hook.data?.name ?? id}
      </p>
      {hook.data && (
        <p>
          Deliveries of <strong>{hook.data.name}</strong> to <code>{hook.data.url_hint}</code>
        </p>
      )}
      {hook.state === 'error' && <ErrorView error={hook.error} title="Could not load the webhook" />}
      {error && <ErrorView error={error} title="Redelivery refused" />}
      <p role="status" class="muted">
        {done}
      </p>
      <ListState
        resource={deliveries}
        errorTitle="Could not load deliveries"
        loading="deliveries"
        isEmpty={(data) => data.deliveries.length === 0}
        empty="No delivery yet."
      >
        {(data) => (
          <div class="table-wrap">
            <table class="list stack-sm">
              <caption class="visually-hidden">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">{d.event_type}</th>
                    <td>
                      <span
                        class={`pill ${d.status === 'succeeded' ? 'tone-ok' : d.status === 'failed' ? 'tone-bad' : 'tone-busy'}`}
                      >
                        {d.status}
                      </span>
                    </td>
                    <td>{d.attempts}</td>
                    <td>
                      {d.last_status_code ?? ''} {d.last_error ?? ''}
                    </td>
                    <td>
                      <Time iso={d.created_at} />
                    </td>
                    <td>
                      {(d.status === 'failed' || d.status === 'succeeded') && (
                        <button type="button" onClick={() => void redeliver(d.id)}>
                          Redeliver {d.event_type} {d.id.slice(0, 8)}
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
      {deliveries.data && (
        <PathPager
          label="Delivery pages"
          path={base}
          cursor={cursor}
          nextCursor={deliveries.data.next_cursor}
        />
      )}
    </>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminWebhooksPage() {
  return (
    <AdminShell title="Webhooks" section="/admin/webhooks">
      <AdminWebhooksBody />
    </AdminShell>
  );
}

/** Admins only: the body (and its API calls) renders only for an admin. */
export function AdminWebhookDeliveriesPage({ id }: { id: string }) {
  return (
    <AdminShell title="Webhook deliveries" section="/admin/webhooks">
      <AdminWebhookDeliveriesBody id={id} />
    </AdminShell>
  );
}
