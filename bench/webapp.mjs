// Web app page load for a user with many requests, in real Chromium:
//   node bench/webapp.mjs [--requests=1000] [--loads=20]
// Spawns `lease server` with the example config, creates the requests through the API as alice
// (debug on local-sudo, 10 minutes: they are granted, so "My access" lists them all as active),
// signs in through the web app's own form, then loads "My access" `--loads` times: from
// navigation start until every request is on the page (lists rendered), p50/p99. The first load
// (cold caches) is not counted. Needs Debian's chromium (or $LEASE_CHROMIUM).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = new URL('..', import.meta.url).pathname;
const LEASE = join(ROOT, 'bin/lease.js');
const EXAMPLES = join(ROOT, 'examples');
const CHROMIUM = process.env.LEASE_CHROMIUM ?? '/usr/bin/chromium';
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const REQUESTS = arg('requests', 1000);
const LOADS = arg('loads', 20);

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer(dir) {
  const child = spawn(process.execPath, [LEASE, 'server', '--config', EXAMPLES, '--data', join(dir, 'data'), '--port', '0'], {
    cwd: dir,
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`lease server exited ${code} before listening:\n${log}`)));
  });
  for (;;) {
    const res = await fetch(`${url}/health`).catch(() => undefined);
    if (res?.status === 200) break;
    await sleep(5);
  }
  return { url, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

if (!existsSync(CHROMIUM)) {
  console.error(`bench/webapp.mjs: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set LEASE_CHROMIUM)`);
  process.exit(1);
}

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-webapp-'));
const server = await startServer(dir);
let browser;
try {
  // alice's demo password is in examples/providers.yaml.
  const login = await fetch(`${server.url}/api/v1/auth/local/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-demo-password' }),
  });
  const { token } = await login.json();
  const createStart = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const r = await fetch(`${server.url}/api/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'debug', provider: 'local-sudo', duration: '10m', reason: `bench request ${i}` }),
      });
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${await r.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const createMs = performance.now() - createStart;
  // Wait for the grants to settle, so every load shows the same page.
  for (;;) {
    const r = await fetch(`${server.url}/api/v1/requests?status=pending,granting&limit=1`, { headers: { authorization: `Bearer ${token}` } });
    if ((await r.json()).requests.length === 0) break;
    await sleep(200);
  }

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${server.url}/`);
  await page.fill('#login input[name=username]', 'alice');
  await page.fill('#login input[name=password]', 'alice-demo-password');
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#who');

  const shown = `section.group li[data-id]:nth-child(${Math.min(REQUESTS, 1000)})`;
  const loads = [];
  const api = [];
  for (let i = 0; i <= LOADS; i++) {
    const start = performance.now();
    await page.goto(`${server.url}/`, { waitUntil: 'commit' });
    await page.waitForSelector(shown, { timeout: 60_000 });
    const ms = performance.now() - start;
    const listMs = await page.evaluate(() =>
      Math.max(0, ...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/requests')).map((e) => e.duration)));
    if (i > 0) {
      loads.push(ms);
      api.push(listMs);
    }
  }
  const count = await page.locator('section.group li[data-id]').count();

  console.log(`\nWeb app: "My access" page load in Chromium (${REQUESTS} requests for one user, ${count} on the page; node ${process.version}; n=${LOADS} after one warm-up)`);
  console.log(`navigation → every request shown   p50 ${fmt(pct(loads, 50))}  p99 ${fmt(pct(loads, 99))}`);
  console.log(`  of which the slower list fetch    p50 ${fmt(pct(api, 50))}  p99 ${fmt(pct(api, 99))}`);
  console.log(`(creating the ${REQUESTS} requests through the API took ${fmt(createMs)}, 8 at a time)`);
} finally {
  await browser?.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
