import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../src/http/app';
import { attachLiveStreams, type LiveStreams } from '../../src/http/live-streams';
import { seedPeople, startTestHub, type TestHub } from '../helpers/hub';

/**
 * What the console's browser tests share: the console build, a real hub (PGlite) behind a real HTTP
 * server with the live stream, and headless chromium with one context (own cookies) per login.
 */
export const ROOT = path.resolve(__dirname, '../..');
export const CONSOLE = path.join(ROOT, 'web-console');
const DIST_PAGE = path.join(CONSOLE, 'dist', 'index.html');
export const SHOTS = path.join(ROOT, 'test-artifacts', 'console');
export const UI_TIMEOUT = 20_000;

/** Newest modification time under a directory (the console sources). */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function isBuilt(): boolean {
  const sourcesAt = Math.max(newest(path.join(CONSOLE, 'src')), fs.statSync(path.join(CONSOLE, 'index.html')).mtimeMs,
    fs.statSync(path.join(CONSOLE, 'vite.config.mts')).mtimeMs);
  return fs.existsSync(DIST_PAGE) && fs.statSync(DIST_PAGE).mtimeMs >= sourcesAt;
}

/**
 * Jest runs the browser test files in parallel workers, and vite empties dist before writing it:
 * one build at a time (a lock file), and the others use its result.
 */
const BUILD_LOCK = path.join(os.tmpdir(), `console-build-${createHash('sha1').update(CONSOLE).digest('hex').slice(0, 12)}.lock`);
const LOCK_STALE_MS = 180_000;
function withBuildLock(fn: () => void): void {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(BUILD_LOCK, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run would block every later run.
      const age = Date.now() - (fs.statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) fs.rmSync(BUILD_LOCK, { force: true });
      if (Date.now() > deadline) throw new Error(`console build lock ${BUILD_LOCK} held too long`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try { fn(); } finally { fs.rmSync(BUILD_LOCK, { force: true }); }
}

/**
 * Builds the console when dist is missing (clean checkout) or older than its sources. Vite's
 * node API is ESM-only and jest runs this file as CommonJS, so build() runs in a child node.
 */
export function ensureConsoleBuilt(): void {
  if (isBuilt()) return;
  withBuildLock(() => {
    if (isBuilt()) return;
    buildConsole();
  });
}

function buildConsole(): void {
  execFileSync(process.execPath, [
    '--input-type=module', '-e',
    "import { build } from 'vite'; await build({ configFile: process.argv[1], logLevel: 'warn' });",
    path.join(CONSOLE, 'vite.config.mts'),
  // jest sets NODE_ENV=test, which would make vite bundle React's development build.
  ], { cwd: ROOT, stdio: 'inherit', timeout: 120_000, env: { ...process.env, NODE_ENV: 'production' } });
  if (!fs.existsSync(DIST_PAGE)) throw new Error('vite build did not produce web-console/dist/index.html');
}

/** A browser window's size (default: a 1366×900 laptop). */
export type Viewport = { width: number; height: number };
export const LAPTOP: Viewport = { width: 1366, height: 900 };

export type BrowserHub = {
  t: TestHub;
  people: Awaited<ReturnType<typeof seedPeople>>;
  base: string;
  /** A fresh browser context (own cookies). */
  newPage(viewport?: Viewport): Promise<Page>;
  /** Logs in through the form and waits for the live stream. */
  login(email: string, viewport?: Viewport): Promise<Page>;
  shot(page: Page, name: string): Promise<Buffer>;
  close(): Promise<void>;
};

/** `env`: extra hub settings (e.g. a channel's secrets, so the admin can switch it). */
export async function startBrowserHub(env: Record<string, string> = {}): Promise<BrowserHub> {
  ensureConsoleBuilt();
  fs.mkdirSync(SHOTS, { recursive: true });
  const t = await startTestHub('pglite', env);
  let server: http.Server | undefined;
  let live: LiveStreams | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const close = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await live?.close();
    if (server?.listening) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await t.close();
  };
  try {
    const people = await seedPeople(t.db);
    server = http.createServer(createApp(t.hub));
    live = attachLiveStreams(server, t.hub);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    const b = browser;
    const newPage = async (viewport: Viewport = LAPTOP) => {
      const ctx = await b.newContext({ viewport, locale: 'vi-VN' });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.setDefaultTimeout(UI_TIMEOUT);
      return page;
    };
    const login = async (email: string, viewport?: Viewport) => {
      const page = await newPage(viewport);
      await page.goto(`${base}/console/`);
      await page.getByTestId('login-email').fill(email);
      await page.getByTestId('login-password').fill(people.password);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('current-user').waitFor();
      await page.locator('[data-testid=live-indicator][data-live=on]').waitFor();
      return page;
    };
    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    return { t, people, base, newPage, login, shot, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
