import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../auth/use-session';
import { api, unwrap } from './client';
import type { components } from './schema';

export type Me = components['schemas']['UserDto'];

let cached: { sessionId: string; me: Promise<Me> } | null = null;

/**
 * The signed-in user (`GET /api/auth/me`), fetched once per session and shared by every page that asks:
 * pages use the role to show operator controls and the admin pages. Null until known.
 */
export function useMe(): Me | null {
  const session = useSession();
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    if (!session) {
      cached = null;
      setMe(null);
      return;
    }
    if (cached?.sessionId !== session.sessionId) {
      cached = { sessionId: session.sessionId, me: unwrap(api.GET('/api/auth/me')) };
      cached.me.catch(() => (cached = null));
    }
    let live = true;
    cached.me.then(
      (user) => live && setMe(user),
      () => live && setMe(null),
    );
    return () => void (live = false);
  }, [session?.sessionId]);
  return me;
}

/** Operators and admins decide and control; viewers only read. */
export const mayOperate = (me: Me | null): boolean => me?.role === 'operator' || me?.role === 'admin';
