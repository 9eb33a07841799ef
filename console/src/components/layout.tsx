import type { ComponentChildren } from 'preact';
import { signOut } from '../auth/session';
import { Link, navigate } from '../router';

export interface Me {
  username: string;
  role: string;
}

const NAV: Array<{ href: string; label: string; adminOnly?: boolean }> = [
  { href: '/', label: 'Inbox' },
  { href: '/runs', label: 'Runs' },
  { href: '/operations', label: 'Operations' },
  { href: '/admin', label: 'Admin', adminOnly: true },
];

const isCurrent = (href: string, path: string) =>
  href === '/'
    ? path === '/' || /^\/(actions|approvals|governance)\//.test(path)
    : path === href || path.startsWith(`${href}/`);

/** Every signed-in page: skip link, banner with navigation and the user, then the page as <main>. */
export function Layout({ me, path, children }: { me: Me | null; path: string; children: ComponentChildren }) {
  const leave = async () => {
    await signOut();
    navigate('/sign-in', { replace: true });
  };
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="banner">
        <span class="brand">Autopack</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.adminOnly || me?.role === 'admin').map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={isCurrent(item.href, path) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="user">
          {me && (
            <span>
              {me.username} <span class="muted">({me.role})</span>
            </span>
          )}
          <button type="button" class="link-button" onClick={() => void leave()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
