import type { Server } from 'node:http';
import request from 'supertest';

/** One event as `GET /events` answers it (the fields the tests read). */
export interface EventJson {
  cursor: string;
  type: string;
  owner: string;
  run_id: string | null;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  summary: string;
}

/** A page of `GET /events`. */
export interface EventPageJson {
  events: EventJson[];
  next_cursor: string;
  has_more: boolean;
}

/**
 * `GET /events?{query}` as `who`, read again until `done(page)` holds or 5 s pass. An event is returned
 * only after every older writing transaction in the cluster has ended (docs/EVENTS.md), so a transaction
 * of a test running in parallel may hold a fresh event back for a moment: a single read would be a race.
 */
export async function readableEventPage(
  http: Server,
  who: Record<string, string>,
  query: string,
  done: (page: EventPageJson) => boolean,
): Promise<EventPageJson> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = (await request(http).get(`/events?${query}`).set(who).expect(200)).body as EventPageJson;
    if (done(page) || Date.now() > deadline) return page;
    await new Promise((r) => setTimeout(r, 25));
  }
}
