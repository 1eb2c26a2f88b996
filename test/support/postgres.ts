// A real PostgreSQL server for the postgresql provider's tests: Debian's postgresql (15) binaries
// (initdb, pg_ctl from /usr/lib/postgresql/<version>/bin, or $LEASE_PG_BIN), a fresh cluster in
// a temp dir, listening on 127.0.0.1 on a free port with scram-sha-256 for every login, and a
// superuser `postgres` with a random password. As root, PostgreSQL runs as the `postgres` user
// (it refuses root). Stopped, and its files removed, by `t.after` or `stop()`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { registerTestSecret } from './secrets.js';

export const HOW_TO_GET_POSTGRES = 'install the Debian package `postgresql` (apt-get install postgresql, or `node scripts/provision.mjs` as root), or set LEASE_PG_BIN to a directory holding initdb and pg_ctl';

export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser and its password. */
  superuser: { user: string; password: string };
  /** A postgresql:// URL for `user` (default the superuser) to `database` (default postgres). */
  url(user?: string, password?: string, database?: string): string;
  /** The server's log so far (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const candidates = process.env.LEASE_PG_BIN ? [process.env.LEASE_PG_BIN] : ['/usr/lib/postgresql/15/bin', ...installedVersions()];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function installedVersions(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

/** As root, commands run as `postgres` (`runuser`); otherwise as the current user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts a fresh cluster; throws when PostgreSQL is missing or does not start. Tests run it with
 * fsync, full-page writes and synchronous commit off; `durable` keeps PostgreSQL's defaults (benchmarks).
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not available: ${HOW_TO_GET_POSTGRES}`);
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0) throw new Error('PostgreSQL refuses to run as root and there is no `postgres` user to run it as');
  const dir = await mkdtemp(join(tmpdir(), 'lease-pg-'));
  const owner = serverUserIds();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const password = randomBytes(18).toString('base64url');
  registerTestSecret(password);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const run = async (command: string, args: string[]) => {
    const [cmd, argv] = asServerUser(join(bin, command), args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8_000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8_000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${command} ${args[0] ?? ''} failed (${code}): ${output}`);
  };
  const superuser = owner || userInfo().username === 'postgres' ? 'postgres' : userInfo().username;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(data, 'postmaster.pid'))) await run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('initdb', ['-D', data, '-U', superuser, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
    let port = 0;
    // The port is free when chosen; another process may take it before PostgreSQL binds it: try again.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        const fast = options.durable ? '' : ' -c fsync=off -c full_page_writes=off -c synchronous_commit=off';
        const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast} -c max_connections=60`;
        await run('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '120', '-o', serverOptions]);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    const host = '127.0.0.1';
    return {
      host,
      port,
      superuser: { user: superuser, password },
      url: (user = superuser, pw = password, database = 'postgres') => `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@${host}:${port}/${encodeURIComponent(database)}`,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      stop,
    };
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`PostgreSQL did not start: ${err instanceof Error ? err.message : String(err)}\n${log}`, { cause: err });
  }
}

/**
 * For a test: PostgreSQL started, or undefined when it is missing (the test was skipped, or
 * failed under CI=true, saying how to get it). Stopped by `t.after`.
 */
export async function startPostgresFor(t: TestContext): Promise<PostgresServer | undefined> {
  if (!requireComponent(t, 'PostgreSQL (initdb, pg_ctl)', postgresBinDir() !== undefined, HOW_TO_GET_POSTGRES)) return undefined;
  const server = await startPostgres();
  t.after(() => server.stop());
  return server;
}

/** In a test of a suite that started PostgreSQL in `before` (when postgresBinDir() found it): true when it runs, else skipped (or failed under CI=true). */
export function requirePostgres(t: TestContext, server: PostgresServer | undefined): server is PostgresServer {
  return requireComponent(t, 'PostgreSQL (initdb, pg_ctl)', server !== undefined, HOW_TO_GET_POSTGRES);
}
