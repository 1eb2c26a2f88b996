// Spawns the real `lease` binary (bin/lease.js → dist/) for whole-system tests: a server on a
// free port with its own config and data directory, and CLI runs with their own $LEASE_HOME.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './stop-process.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const LEASE_BIN = join(ROOT, 'bin', 'lease.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lease ...args` to completion. */
export function runLease(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LEASE_BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Like runLease, but fails with the output when the exit code is not 0; returns parsed JSON for --json. */
export async function leaseJson<T = Record<string, unknown>>(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<T> {
  const r = await runLease(args, { env, ...(input !== undefined ? { input } : {}) });
  if (r.code !== 0) throw new Error(`lease ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export class ServerProcess {
  output = '';
  private exited: Promise<number | null>;

  constructor(readonly child: ChildProcess, readonly url: string, initialOutput: string) {
    this.output = initialOutput;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** kill -9: no shutdown code runs. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  stop(): Promise<void> {
    return stopProcess(this.child, this.exited);
  }

  /** Sends a signal (SIGTERM: graceful shutdown; SIGHUP: reload the config). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit code once the process has exited. */
  exitCode(): Promise<number | null> {
    return this.exited;
  }
}

/**
 * Starts `lease server --port 0` and resolves once it printed its URL and /ready answers 200.
 * Rejects with the server's output if it exits first.
 */
export function startServer(args: {
  config: string;
  data: string;
  env?: NodeJS.ProcessEnv;
  port?: number;
  cwd?: string;
  /** A command that runs the server as its arguments (it must exec them), e.g. in another namespace. */
  wrap?: string[];
}): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const command = [...(args.wrap ?? []), process.execPath, LEASE_BIN, 'server', '--config', args.config, '--data', args.data, '--port', String(args.port ?? 0)];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: args.cwd ?? ROOT,
      env: { ...process.env, LEASE_LOG_LEVEL: 'info', ...args.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let settled = false;
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && !settled) {
        settled = true;
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        const server = new ServerProcess(child, match[1] as string, output);
        void waitReady(server.url).then(() => resolve(server), reject);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(`lease server exited with ${code} before it was ready:\n${output}`));
      }
    });
  });
}

/** How long a component may take to come up before a test fails: a bound for a broken start, never a wait. */
const READY_TIMEOUT_MS = 120_000;

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/ready`);
      if (r.status === 200) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}/ready never answered 200`);
}

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(prefix = 'lease-e2e-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Writes files (relative path → content) under dir. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A line that is only a URL: what `lease login` prints for the browser. */
const URL_LINE = /^https?:\/\/\S+$/;

/**
 * Starts `lease login --provider <provider> --no-browser` and resolves with the login URL it
 * printed, and the exit of the CLI (which waits for the browser side of the login).
 */
export function startBrowserLogin(args: { serverUrl: string; provider: string; home: string }): Promise<{ loginUrl: string; exit: Promise<CliResult> }> {
  return startLoginCli(args, ['--no-browser'], 'a URL', (lines) => {
    const loginUrl = lines.find((l) => URL_LINE.test(l));
    return loginUrl ? { loginUrl } : undefined;
  });
}

/**
 * Starts `lease login --provider <provider> --device` and resolves once it printed the URL and the
 * code (on stdout, or on stderr with --json), with the exit of the CLI (which polls until the
 * login is completed or refused in a browser).
 */
export function startDeviceLogin(args: { serverUrl: string; provider: string; home: string; json?: boolean }): Promise<{ url: string; code: string; exit: Promise<CliResult> }> {
  return startLoginCli(args, ['--device', ...(args.json ? ['--json'] : [])], 'a URL and code', (lines) => {
    const url = lines.find((l) => URL_LINE.test(l));
    const code = lines.map((l) => /^Code: (\S+)$/.exec(l)?.[1]).find((c) => c !== undefined);
    return url && code ? { url, code } : undefined;
  }, args.json ? 'stderr' : 'stdout');
}

/**
 * Runs `lease login --server <url> --provider <provider> ...flags` and resolves with what `read`
 * finds in the (trimmed) lines of `stream` so far, plus the CLI's exit; rejects if it exits first.
 */
function startLoginCli<T extends object>(
  args: { serverUrl: string; provider: string; home: string },
  flags: string[],
  what: string,
  read: (lines: string[]) => T | undefined,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<T & { exit: Promise<CliResult> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LEASE_BIN, 'login', '--server', args.serverUrl, '--provider', args.provider, ...flags], {
      cwd: ROOT,
      env: { ...process.env, LEASE_HOME: args.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    let found = false;
    const exit = new Promise<CliResult>((done) => child.on('close', (code) => done({ code: code ?? -1, ...output })));
    const look = () => {
      const value = found ? undefined : read(output[stream].split('\n').map((l) => l.trim()));
      if (value !== undefined) {
        found = true;
        resolve({ ...value, exit });
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      output.stdout += d.toString();
      look();
    });
    child.stderr.on('data', (d: Buffer) => {
      output.stderr += d.toString();
      look();
    });
    child.on('error', reject);
    void exit.then((r) => {
      if (!found) reject(new Error(`lease login ${flags.join(' ')} exited ${r.code} before printing ${what}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`));
    });
  });
}
