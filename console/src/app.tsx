import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from './api/client';
import { resume } from './auth/session';
import { useSession } from './auth/use-session';
import { Layout, type Me } from './components/layout';
import { Loading } from './components/status';
import { safeNext, SignInPage } from './pages/sign-in';
import { renderRoute } from './routes';
import { currentConsolePath, navigate, useLocation } from './router';

/**
 * Signs in again through the refresh cookie on load when there is a session to continue (a reload keeps
 * it; a first visit makes no refresh call), sends anyone without a session to sign-in with `next` set to
 * where they were, and renders the page of the current path.
 */
export function App() {
  const location = useLocation();
  const session = useSession();
  const [booted, setBooted] = useState(false);
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    void resume().finally(() => setBooted(true));
  }, []);

  useEffect(() => {
    if (!session) {
      setMe(null);
      return;
    }
    unwrap(api.GET('/api/auth/me')).then(
      (user) => setMe({ username: user.username, role: user.role }),
      () => setMe(null),
    );
  }, [session?.sessionId]);

  const onSignIn = location.path === '/sign-in';
  useEffect(() => {
    if (!booted) return;
    if (!session && !onSignIn) {
      navigate(`/sign-in?next=${encodeURIComponent(currentConsolePath())}`, { replace: true });
    } else if (session && onSignIn) {
      navigate(safeNext(location.query.get('next')), { replace: true });
    }
  }, [booted, session, onSignIn]);

  // Focus the page's main region after client-side navigation, so keyboard and screen-reader users land
  // on the new content rather than on the link they pressed (not on first load: the skip link comes first).
  const firstPath = useRef(location.path);
  useEffect(() => {
    if (location.path === firstPath.current && firstPath.current !== '') return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [location.path]);

  if (!booted) return <Loading what="your session" />;
  if (!session || onSignIn) return <SignInPage next={location.query.get('next')} />;
  return (
    <Layout me={me} path={location.path}>
      {renderRoute(location.path)}
    </Layout>
  );
}
