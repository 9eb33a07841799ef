import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './client';
import { EVENT_TYPES } from './event-types';

/** One event of the stream (docs/EVENTS.md): its type, subject and run. */
export interface LiveEvent {
  id: string;
  type: string;
  subject?: { type: string; id: string };
  run_id?: string | null;
  data?: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;

/** Whether the stream is open: pages that update live say so (and say when they are catching up). */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let lastId: string | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let backoffMs = 500;
let status: LiveStatus = 'connecting';
const statusListeners = new Set<(status: LiveStatus) => void>();

function setStatus(next: LiveStatus): void {
  status = next;
  statusListeners.forEach((listener) => listener(next));
}

/**
 * One stream for the whole console, open while anyone listens. EventSource cannot send a bearer token, so
 * each connection uses a fresh one-use ticket (POST /events/stream-ticket); when the stream drops, the
 * browser's own reconnect would reuse the spent ticket, so we close it, mint a new ticket and resume
 * after the last event seen (`after=`), with a growing pause while the server is away.
 */
async function connect(): Promise<void> {
  clearTimeout(retry);
  if (listeners.size === 0) return;
  try {
    const { data, response } = await api.POST('/events/stream-ticket');
    if (!data || !response.ok) throw new Error(`stream ticket: HTTP ${response.status}`);
    if (listeners.size === 0) return;
    const query = new URLSearchParams({ ticket: data.ticket });
    if (lastId) query.set('after', lastId);
    const stream = new EventSource(`/api/events/stream?${query.toString()}`);
    source = stream;
    stream.onopen = () => {
      backoffMs = 500;
      setStatus('live');
    };
    const deliver = (message: MessageEvent<string>) => {
      if (message.lastEventId) lastId = message.lastEventId;
      try {
        const event = JSON.parse(message.data) as LiveEvent;
        listeners.forEach((listener) => listener(event));
      } catch {
        // Not JSON: nothing a page could use.
      }
    };
    // EventSource delivers named events only to their listeners: one per type.
    for (const type of EVENT_TYPES) stream.addEventListener(type, deliver as EventListener);
    stream.onerror = () => {
      stream.close();
      if (source === stream) source = null;
      scheduleReconnect();
    };
  } catch {
    scheduleReconnect();
  }
}

function scheduleReconnect(): void {
  clearTimeout(retry);
  if (listeners.size === 0) return;
  setStatus('reconnecting');
  retry = setTimeout(() => void connect(), backoffMs);
  backoffMs = Math.min(backoffMs * 2, 15_000);
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (listeners.size === 1 && !source) void connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearTimeout(retry);
      source?.close();
      source = null;
      setStatus('connecting');
    }
  };
}

/** Calls `onEvent` for every live event while the component is mounted. */
export function useLiveEvents(onEvent: Listener): void {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => subscribe((event) => latest.current(event)), []);
}

/** Calls `reload` (at most every 150 ms) when an event matching `filter` arrives. */
export function useLiveReload(filter: (event: LiveEvent) => boolean, reload: () => void): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useLiveEvents((event) => {
    if (!filter(event)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, 150);
  });
}

/** The shared stream's state, for a page that tells its reader whether it is live. */
export function useLiveStatus(): LiveStatus {
  const [current, setCurrent] = useState(status);
  useEffect(() => {
    statusListeners.add(setCurrent);
    setCurrent(status);
    return () => void statusListeners.delete(setCurrent);
  }, []);
  return current;
}
