import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root';

/** Where `npm run build` writes the operator console (console/vite.config.ts). */
export const CONSOLE_DIST = resolve(PROJECT_ROOT, 'dist', 'console');
export const CONSOLE_BASE = '/console/';

/**
 * The console's own Content-Security-Policy, stricter than helmet's default (which the Swagger UI needs):
 * nothing inline, nothing from elsewhere, never framed. The console talks only to its own origin.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Autopack console not built</title></head>
<body><main><h1>The operator console is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds when needed) and reload this page.</p>
</main></body></html>
`;

/** Hashed build output never changes under its name; everything else is revalidated on every load. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Serves the built console under /console/ and redirects / there. This is express middleware outside the
 * Nest router, so the deny-by-default guard never sees these paths: they hold only the public, secret-free
 * static bundle (scripts/check-console-bundle.js proves it in CI); every piece of data the console shows
 * comes from the API, whose routes keep their own auth. Deep links (/console/runs/abc) get index.html.
 */
export function consoleStatic(distDir: string = CONSOLE_DIST) {
  const root = resolve(distDir);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/') return res.redirect(302, CONSOLE_BASE);
    if (req.path === '/console') return res.redirect(301, CONSOLE_BASE);
    if (!req.path.startsWith(CONSOLE_BASE)) return next();

    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      res.status(503).setHeader('Cache-Control', 'no-store');
      res.type('html').send(NOT_BUILT_PAGE);
      return;
    }
    const relative = req.path.slice(CONSOLE_BASE.length);
    const isAsset = relative.startsWith('assets/');
    const sendIndex = () => {
      res.setHeader('Cache-Control', REVALIDATE);
      res.sendFile('index.html', { root, dotfiles: 'deny', lastModified: false });
    };
    if (relative === '' || relative === 'index.html') return sendIndex();
    // sendFile with `root` refuses paths that climb out of it (403) and dotfiles.
    res.sendFile(
      relative,
      { root, dotfiles: 'deny', headers: { 'Cache-Control': isAsset ? IMMUTABLE : REVALIDATE } },
      (error?: Error & { status?: number; statusCode?: number }) => {
        if (!error) return;
        const status = error.status ?? error.statusCode ?? 500;
        if (res.headersSent) return;
        // A missing built file is a 404 (a stale tab asking for an old hash); any other path in the console
        // is a page of the single-page app, rendered by index.html.
        if (status === 404 && !isAsset && !/\.[a-z0-9]+$/i.test(relative)) return sendIndex();
        res
          .status(status === 404 || status === 403 ? status : 404)
          .type('text/plain')
          .send('Not found\n');
      },
    );
  };
}

/**
 * The public API paths nginx exposes (nginx/nginx.conf): /api/auth/... unchanged, every other /api/x as
 * /x. The app answers the same paths itself, so the console (which always calls the public paths) works
 * the same directly and behind the proxy. A rewrite before routing: auth, limits and logs see /x.
 */
export function publicApiPrefix(req: Request, _res: Response, next: NextFunction): void {
  const url = req.url;
  if (url.startsWith('/api/') && !url.startsWith('/api/auth/') && url !== '/api/auth') {
    req.url = url.slice('/api'.length);
  }
  next();
}
