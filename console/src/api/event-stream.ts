import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from './client';

export interface StreamEvent {
  /** The event's cursor (the SSE `id:`). */
  cursor: string;
  type: string;
  data: Record<string, unknown>;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Follows the event stream (docs/EVENTS.md) while mounted: a one-use stream ticket minted with the bearer
 * token, then `EventSource('/api/events/stream?ticket=…')`. When the stream drops, EventSource would
 * retry the same URL with a spent ticket, so this closes it and reconnects itself with a new ticket and
 * `after=<last cursor>` (nothing is missed, nothing repeated), backing off from 1 s to 30 s.
 */
export function useEventStream(
  filter: { runId?: string; types?: string[] },
  onEvent: (event: StreamEvent) => void,
): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const types = filter.types?.join(',') ?? '';

  useEffect(() => {
    let closed = false;
    let source: EventSource | null = null;
    let last: string | null = null;
    let retryMs = RETRY_MIN_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const deliver = (message: MessageEvent<string>) => {
      if (message.lastEventId) last = message.lastEventId;
      let data: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(message.data);
        if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
      } catch {
        // Not JSON: pass the type on with no data.
      }
      handler.current({ cursor: message.lastEventId, type: message.type, data });
    };

    const retry = () => {
      if (closed) return;
      setStatus('reconnecting');
      timer = setTimeout(() => void connect(), retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };

    const connect = async () => {
      let ticket: string;
      try {
        ticket = (await unwrap(api.POST('/events/stream-ticket'))).ticket;
      } catch {
        retry();
        return;
      }
      if (closed) return;
      const query = new URLSearchParams({ ticket });
      if (filter.runId) query.set('run_id', filter.runId);
      if (types) query.set('types', types);
      if (last) query.set('after', last);
      source = new EventSource(`/api/events/stream?${query.toString()}`);
      source.onopen = () => {
        retryMs = RETRY_MIN_MS;
        setStatus('live');
      };
      source.onmessage = deliver;
      for (const type of filter.types ?? []) source.addEventListener(type, deliver as EventListener);
      source.onerror = () => {
        source?.close();
        source = null;
        retry();
      };
    };

    void connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [filter.runId, types]);

  return status;
}
