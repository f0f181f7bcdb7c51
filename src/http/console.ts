import express, { Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

// Built by `npm run build` (vite, web-console/vite.config.mts); the path works from src/http and dist/http.
export const CONSOLE_DIR = path.resolve(__dirname, '../../web-console/dist');

/**
 * The staff console at /console/: hashed assets cached for a year, the page itself never cached
 * (a new build is picked up at once), and every /console/* path answered with the page so that a
 * reload or a shared link to /console/tickets/PA-… opens the app there.
 */
export function consoleRoutes(): Router {
  const r = Router();
  const page = path.join(CONSOLE_DIR, 'index.html');
  const sendPage: express.RequestHandler = (_req, res) => {
    if (!fs.existsSync(page)) {
      res.status(503).type('text/plain; charset=utf-8')
        .send('Bảng điều khiển chưa được build: chạy "npm run build". / The console is not built: run "npm run build".');
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(page);
  };
  r.use('/console/assets', express.static(path.join(CONSOLE_DIR, 'assets'), { immutable: true, maxAge: '365d' }));
  // An asset of an older build (a tab open across a deploy) is a plain 404, not the page.
  r.use('/console/assets', (_req, res) => { res.status(404).type('text/plain').send('Not found'); });
  // Routing is not strict: '/console' also matches '/console/'. The bare form redirects so that the page's relative URLs resolve.
  r.get('/console', (req, res, next) => (req.originalUrl.split('?')[0] === '/console' ? res.redirect(301, '/console/') : sendPage(req, res, next)));
  r.get('/console/{*rest}', sendPage);
  return r;
}
