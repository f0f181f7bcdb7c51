import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadConfig } from '../config';
import { CONSOLE_DIR } from '../http/console';
import { createApp } from '../http/app';
import { createHub } from '../hub';
import { silentLogger } from '../shared/logger';
import { nearestRank } from './percentile';

export type ConsoleFigures = {
  jsGzipBytes: number; cssGzipBytes: number; runs: number;
  consoleMs: { p50: number; p95: number }; baselineMs: { p50: number; p95: number }; ratio: number;
};

const quantile = (xs: number[], p: number) => nearestRank([...xs].sort((a, b) => a - b), p)!;
const gz = (dir: string, ext: string) => fs.readdirSync(dir).filter((f) => f.endsWith(ext))
  .reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length, 0);

/**
 * The console's first screen (navigation start → login form visible) in Debian's chromium, each run
 * in a fresh context (cold cache), against the citizen portal's first screen (plain HTML + one small
 * script, same server, same browser) measured in the same run. And the gzipped size of the bundle.
 */
export async function benchConsole(runs = Number(process.env.BENCH_CONSOLE_RUNS ?? 15)): Promise<ConsoleFigures> {
  const assets = path.join(CONSOLE_DIR, 'assets');
  if (!fs.existsSync(assets)) throw new Error('web-console/dist is missing: npm run build');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-console-'));
  const hub = await createHub(loadConfig({ DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'silent', SMTP_INBOUND_PORT: '0' }), { log: silentLogger });
  const server = http.createServer(createApp(hub));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const firstScreen = async (url: string, selector: string) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator(selector).first().waitFor({ state: 'visible' });
    const ms = Number(await page.evaluate('performance.now()'));
    await ctx.close();
    return ms;
  };
  try {
    await firstScreen(`${base}/console/`, '[data-testid=login-form]'); // warm the server's file cache
    const consoleMs: number[] = [];
    const baselineMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      baselineMs.push(await firstScreen(`${base}/`, '#report-form'));
      consoleMs.push(await firstScreen(`${base}/console/`, '[data-testid=login-form]'));
    }
    const c = { p50: quantile(consoleMs, 0.5), p95: quantile(consoleMs, 0.95) };
    const b = { p50: quantile(baselineMs, 0.5), p95: quantile(baselineMs, 0.95) };
    return { jsGzipBytes: gz(assets, '.js'), cssGzipBytes: gz(assets, '.css'), runs, consoleMs: c, baselineMs: b, ratio: c.p50 / b.p50 };
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.close(() => r()));
    await hub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printConsole(f: ConsoleFigures): void {
  console.log(`Staff console (Debian chromium, fresh context per run, ${f.runs} runs, navigation start → first screen visible)`);
  console.log(`  baseline: citizen portal (static HTML)   p50 ${f.baselineMs.p50.toFixed(0)} ms   p95 ${f.baselineMs.p95.toFixed(0)} ms`);
  console.log(`  console: login form                      p50 ${f.consoleMs.p50.toFixed(0)} ms   p95 ${f.consoleMs.p95.toFixed(0)} ms   ${f.ratio.toFixed(2)} × baseline (target < 1,000 ms)`);
  console.log(`  bundle: ${(f.jsGzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped (target < 300 KB), ${(f.cssGzipBytes / 1024).toFixed(1)} KB of CSS`);
}
