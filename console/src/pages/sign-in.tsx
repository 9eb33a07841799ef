import { useEffect, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../api/errors';
import { fetchSignInMethods, ssoLoginUrl, type SignInMethods } from '../auth/methods';
import { signInWithPassword } from '../auth/session';
import { ErrorView } from '../components/status';
import { BASE, navigate } from '../router';

/** Only console paths are followed after sign-in (never another origin through `next`). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/sign-in')) return '/';
  return next;
}

export function SignInPage({ next }: { next: string | null }) {
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const target = safeNext(next);

  useEffect(() => {
    document.title = 'Sign in · Autopack';
    void fetchSignInMethods().then(setMethods);
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithPassword(username, password);
      setPassword('');
      navigate(target, { replace: true });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <h1>Sign in to Autopack</h1>
      {error && <ErrorView error={error} title="Sign-in failed" />}
      {methods?.sso && (
        <p>
          <a class="button" href={ssoLoginUrl(BASE + target)}>
            Sign in with SSO
          </a>
        </p>
      )}
      {(methods === null || methods.password) && (
        <form onSubmit={submit} aria-label="Sign in">
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </main>
  );
}
