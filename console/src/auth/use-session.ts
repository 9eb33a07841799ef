import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSessionChange, type Session } from './session';

export function useSession(): Session | null {
  const [session, setSession] = useState(currentSession);
  useEffect(() => onSessionChange(() => setSession(currentSession())), []);
  return session;
}
