// schemathesis (PyPI; property-based API testing from an OpenAPI document) for the API contract
// test. scripts/provision.mjs installs the pinned version into .cache/schemathesis; or
// $LEASE_SCHEMATHESIS names an `st` command. Runs in a temporary directory (it keeps its
// example database and crash files in the working directory) and writes its whole output to a file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';
import { hasCommand } from './system.js';

const root = new URL('../../', import.meta.url).pathname;
const TARGET = join(root, '.cache/schemathesis');
const HOW_TO_GET = 'run `node scripts/provision.mjs` (installs PyPI schemathesis into .cache/schemathesis), or set LEASE_SCHEMATHESIS to an `st` command';

/** How to start schemathesis: [command, leading args, extra env], or undefined when it is not installed. */
function schemathesisCommand(): [string, string[], Record<string, string>] | undefined {
  if (process.env.LEASE_SCHEMATHESIS) return [process.env.LEASE_SCHEMATHESIS, [], {}];
  if (existsSync(join(TARGET, 'schemathesis')) && hasCommand('python3')) {
    const env = { PYTHONPATH: TARGET };
    const works = spawnSync('python3', ['-c', 'import schemathesis.cli'], { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0;
    if (works) return ['python3', ['-m', 'schemathesis.cli'], env];
  }
  return undefined;
}

/** Whether the test may go on (see requireComponent): skipped loudly, or failed under CI, without schemathesis. */
export function requireSchemathesis(t: TestContext): boolean {
  return requireComponent(t, 'schemathesis', schemathesisCommand() !== undefined, HOW_TO_GET);
}

/**
 * Runs `schemathesis <args>` in `cwd`, its output (stdout and stderr) going to `outputFile`;
 * resolves with its exit code. Ended after `timeoutMs` (exit code null).
 */
export async function runSchemathesis(args: string[], options: { cwd: string; env: Record<string, string>; outputFile: string; timeoutMs: number }): Promise<number | null> {
  const command = schemathesisCommand();
  if (!command) throw new Error(`schemathesis is not available: ${HOW_TO_GET}`);
  const [cmd, leading, env] = command;
  const out = openSync(options.outputFile, 'w');
  try {
    const child = spawn(cmd, [...leading, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...env, ...options.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', out, out],
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    const timer = setTimeout(() => void stopProcess(child, exited), options.timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    closeSync(out);
  }
}
