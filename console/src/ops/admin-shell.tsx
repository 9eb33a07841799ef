import type { ComponentChildren } from 'preact';
import { useMe } from '../api/use-me';
import { Loading } from '../components/status';
import { Link } from '../router';
import { useTitle } from './shared';

const SECTIONS = [
  { href: '/admin', label: 'Audit log' },
  { href: '/admin/api-keys', label: 'API keys' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/webhooks', label: 'Webhooks' },
];

/**
 * Every admin page: the section navigation, and for anyone who is not an admin a clear "admins only"
 * state instead of the page (the API refuses them anyway; this says so before they try).
 */
export function AdminShell({
  title,
  section,
  children,
}: {
  title: string;
  section: string;
  children: ComponentChildren;
}) {
  useTitle(title);
  const me = useMe();
  if (!me) return <Loading what="your account" />;
  if (me.role !== 'admin') {
    return (
      <>
        <h1>Admin</h1>
        <div class="notice notice-warn" role="alert">
          <p class="notice-title">Admins only</p>
          <p>
            These pages are for administrators. You are signed in as {me.username}, a
            {me.role === 'operator' ? 'n' : ''} {me.role}. Ask an admin if you need something changed.
          </p>
        </div>
      </>
    );
  }
  return (
    <>
      <nav aria-label="Admin sections" class="subnav">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.href}>
              <Link href={s.href} aria-current={s.href === section ? 'page' : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h1>{title}</h1>
      {children}
    </>
  );
}
