// A real moto server (`python3 -m moto.server`, a local AWS API emulator) for the AWS KMS
// backend's tests: one process per call, on a free port on 127.0.0.1, in memory, stopped when
// the test ends. moto comes from scripts/provision.mjs (PyPI moto[server] into .cache/moto), or
// $LEASE_MOTO_SERVER (a `moto_server` command), or `moto_server` on PATH.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';
import { hasCommand } from './system.js';

const root = new URL('../../', import.meta.url).pathname;
const TARGET = join(root, '.cache/moto');
const HOW_TO_GET = "run `node scripts/provision.mjs` (installs PyPI moto[server] into .cache/moto), or set LEASE_MOTO_SERVER to a `moto_server` command";
const READY_TIMEOUT_MS = 120_000;

export interface MotoServer {
  endpoint: string;
  region: string;
  /** Fake credentials moto accepts, for the SDK in this process. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The same as environment variables, for child processes (`lease server`). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** How to start moto: [command, args, extra env], or undefined when it is not installed. */
function motoCommand(): [string, string[], Record<string, string>] | undefined {
  if (process.env.LEASE_MOTO_SERVER) return [process.env.LEASE_MOTO_SERVER, [], {}];
  if (existsSync(join(TARGET, 'moto')) && hasCommand('python3')) {
    const env = { PYTHONPATH: TARGET };
    const works = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0;
    if (works) return ['python3', ['-m', 'moto.server'], env];
  }
  return hasCommand('moto_server') ? ['moto_server', [], {}] : undefined;
}

/**
 * Starts moto and waits until it answers; undefined when it is missing (the test was skipped,
 * or failed under CI=true). Stopped by `t.after`, or earlier by `stop()`.
 */
export async function startMoto(t: TestContext): Promise<MotoServer | undefined> {
  const command = motoCommand();
  if (!requireComponent(t, 'moto (AWS API emulator)', command !== undefined, HOW_TO_GET)) return undefined;
  const [cmd, args, extraEnv] = command!;
  const port = await freePort();
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const child = spawn(cmd, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...extraEnv },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopProcess(child, exited));
  t.after(stop);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, exited);
  } catch (err) {
    await stop();
    throw new Error(`moto did not start: ${err instanceof Error ? err.message : String(err)}\n${stderr}`, { cause: err });
  }
  return {
    endpoint,
    region,
    credentials,
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: region, AWS_EC2_METADATA_DISABLED: 'true' },
    stop,
  };
}

async function waitUntilReady(endpoint: string, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let died = false;
  void exited.then(() => (died = true));
  while (Date.now() < deadline && !died) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(died ? 'the process exited' : `not ready after ${READY_TIMEOUT_MS} ms`);
}
