import { useEffect } from 'preact/hooks';

/** A page whose content is still to come (kept in the navigation so the page map is complete). */
export function PlaceholderPage({ title }: { title: string }) {
  useEffect(() => {
    document.title = `${title} · Autopack`;
  }, [title]);
  return (
    <>
      <h1>{title}</h1>
      <p class="empty">This page is not built yet.</p>
    </>
  );
}

export function NotFoundPage() {
  useEffect(() => {
    document.title = 'Not found · Autopack';
  }, []);
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no console page at this address.</p>
    </>
  );
}
