// A real SMTP server for the e-mail tests: Python's aiosmtpd (PyPI, installed by
// scripts/provision.mjs into .cache/aiosmtpd) running test/support/smtp-sink.py, which keeps every
// message it receives as a JSON file (envelope, login, subject, decoded text and HTML parts, raw).
// One server per call, on a free port on 127.0.0.1, stopped when the test ends.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { waitUntil } from './lease-process.js';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';
import { hasCommand } from './system.js';

const root = new URL('../../', import.meta.url).pathname;
const TARGET = join(root, '.cache/aiosmtpd');
const SINK = join(root, 'test/support/smtp-sink.py');
const HOW_TO_GET = 'run `node scripts/provision.mjs` (installs PyPI aiosmtpd into .cache/aiosmtpd; needs python3 and pip)';
const READY_TIMEOUT_MS = 60_000;

/** One message as the SMTP server received it. */
export interface ReceivedMail {
  mail_from: string;
  rcpt_tos: string[];
  /** The AUTH login the client used, or null. */
  login: string | null;
  subject: string;
  from: string;
  to: string;
  text: string | null;
  html: string | null;
  raw: string;
}

export interface SmtpServer {
  host: string;
  port: number;
  /** Every message received so far, oldest first. */
  messages(): Promise<ReceivedMail[]>;
  /** Waits until a message matches (60 s by default). */
  waitFor(what: string, match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

function aiosmtpdAvailable(): boolean {
  if (!existsSync(join(TARGET, 'aiosmtpd')) || !hasCommand('python3')) return false;
  return spawnSync('python3', ['-c', 'import aiosmtpd.controller'], { stdio: 'ignore', env: { ...process.env, PYTHONPATH: TARGET } }).status === 0;
}

/**
 * Starts the SMTP server (requiring AUTH with `auth` when given); undefined when aiosmtpd is
 * missing (the test was skipped, or failed under CI=true).
 */
export async function startSmtpServer(t: TestContext, options: { auth?: { user: string; pass: string } } = {}): Promise<SmtpServer | undefined> {
  if (!requireComponent(t, 'aiosmtpd (SMTP server)', aiosmtpdAvailable(), HOW_TO_GET)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'lease-smtp-'));
  const port = await freePort();
  const auth = options.auth ? { SMTP_SINK_USER: options.auth.user, SMTP_SINK_PASS: options.auth.pass } : {};
  const child = spawn('python3', [SINK, String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: TARGET, ...auth } });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    })());
  t.after(stop);
  let ended = false;
  void exited.then(() => (ended = true));
  await waitUntil('the SMTP server to start', async () => {
    if (ended) throw new Error(`the SMTP server exited: ${output}`);
    return output.includes(`ready ${port}`) ? true : undefined;
  }, READY_TIMEOUT_MS, 50);

  const messages = async (): Promise<ReceivedMail[]> => {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as ReceivedMail));
  };
  return {
    host: '127.0.0.1',
    port,
    messages,
    waitFor: (what, match, timeoutMs = 60_000) => waitUntil(what, async () => (await messages()).find(match), timeoutMs, 100),
    stop,
  };
}
