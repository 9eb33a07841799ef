import type { EventView } from '../events/event-log.service';
import type { WebhookKind } from './webhook-endpoint.entity';

/** Where a human looks at what the event is about, in the operator console. */
export function deepLink(consoleUrl: string, event: EventView): string {
  const base = consoleUrl.replace(/\/+$/, '');
  const id = encodeURIComponent(event.subject.id);
  switch (event.subject.type) {
    case 'approval':
      return `${base}/approvals/${id}`;
    case 'governance_request':
      return `${base}/governance/${id}`;
    case 'action':
      return `${base}/actions/${id}`;
    case 'credential':
      return `${base}/credentials/${id}`;
    default:
      return event.run_id ? `${base}/runs/${encodeURIComponent(event.run_id)}` : base;
  }
}

/**
 * The body of one delivery: the event itself (standard), a Slack incoming-webhook message (text and
 * blocks), or a Telegram Bot API `sendMessage`. Each carries the summary and the console's deep link.
 */
export function deliveryBody(
  kind: WebhookKind,
  event: EventView,
  consoleUrl: string,
  telegramChatId: string | null,
): string {
  const link = deepLink(consoleUrl, event);
  switch (kind) {
    case 'standard':
      return JSON.stringify({ type: event.type, timestamp: event.created_at, data: { ...event, link } });
    case 'slack':
      return JSON.stringify({
        text: `${event.summary} ${link}`,
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `*${event.type}*\n${escapeSlack(event.summary)}` },
          },
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'Open in the console' }, url: link },
            ],
          },
        ],
      });
    case 'telegram':
      return JSON.stringify({
        chat_id: telegramChatId,
        text: `${event.type}\n${event.summary}\n${link}`,
        disable_web_page_preview: true,
      });
  }
}

/** Slack mrkdwn's three control characters. */
const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
