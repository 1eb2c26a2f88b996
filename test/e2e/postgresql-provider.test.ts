// The postgresql provider end to end: `lease server` granting on a real PostgreSQL 15
// (test/support/postgres.ts) through a least-privilege admin role, driven with the CLI: request →
// active → `lease credentials` by the requester → log in → revoke → refused; someone else's
// credentials call is refused; a stray lease role is revoked by the reconciler and audited; a
// lease expires in PostgreSQL while the server is killed (-9); nothing secret reaches the log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { hashPassword } from '../../src/identity/index.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { postgresBinDir, requirePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';
import { registerTestSecret } from '../support/secrets.js';

const ADMIN = 'leaseadmin';
const ADMIN_PASSWORD = 'e2e-pg-Admin-9xQ4wz';
const STRAY_ID = 'req_0000000000stray00000000000';
const STRAY_ROLE = 'lease_0000000000stray00000000000';
const PASSWORDS = { alice: 'alice-Secr3t-pw', bob: 'bob-Secr3t-pw' };
registerTestSecret(ADMIN_PASSWORD, ...Object.values(PASSWORDS));

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

interface CredentialsJson {
  kind: string;
  url: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  expiration: string;
}

describe('postgresql provider through lease server and the CLI', () => {
  let db: PostgresServer | undefined;
  let server: ServerProcess | undefined;
  let dir: { path: string; cleanup: () => Promise<void> } | undefined;
  const issued: string[] = [];
  /** Output of servers that were killed, for the log check. */
  const earlierOutput: string[] = [];
  const home = (user: 'alice' | 'bob') => ({ LEASE_HOME: `${dir!.path}/home/${user}` });
  const start = (port?: number) => startServer({ config: `${dir!.path}/config`, data: `${dir!.path}/data`, env: { PG_ADMIN_PASSWORD: ADMIN_PASSWORD }, ...(port ? { port } : {}) });
  const superQuery = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: db!.url() });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const leaseRoles = async () => (await superQuery<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'lease\\_%' ORDER BY 1")).map((r) => r.rolname);
  const request = (role: string, duration: string) => leaseJson<RequestJson>(['request', '--role', role, '--provider', 'pg-prod', '--duration', duration, '--reason', 'INC-9 look at orders', '--wait', '--json'], home('alice'));
  const credentials = async (id: string) => {
    const c = await leaseJson<CredentialsJson>(['credentials', id, '--format', 'json'], home('alice'));
    // Not a registered secret: printing it to its requester is `lease credentials`' job; the
    // server's and PostgreSQL's logs are checked for every issued password instead.
    issued.push(c.password);
    return c;
  };
  const loginError = async (url: string): Promise<string | undefined> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };

  before(async () => {
    if (!postgresBinDir()) return;
    db = await startPostgres();
    await superQuery(`CREATE ROLE ${ADMIN} LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'`);
    await superQuery(`GRANT CREATE ON DATABASE postgres TO ${ADMIN}`);
    const admin = new pg.Client({ connectionString: db.url(ADMIN, ADMIN_PASSWORD) });
    await admin.connect();
    for (const sql of ['CREATE SCHEMA app', 'CREATE TABLE app.orders (id int, item text)', "INSERT INTO app.orders VALUES (1, 'tea')", 'CREATE ROLE readers NOLOGIN', 'GRANT USAGE ON SCHEMA app TO readers', 'GRANT SELECT ON app.orders TO readers']) await admin.query(sql);
    // Left by a lost database: Lease-made (its comment says so), with no request behind it.
    await admin.query(`CREATE ROLE ${STRAY_ROLE} LOGIN`);
    await admin.query(`COMMENT ON ROLE ${STRAY_ROLE} IS 'lease:{"provider":"pg-prod","request":"${STRAY_ID}"}'`);
    await admin.end();

    dir = await tempDir();
    await writeFiles(dir.path, {
      'config/server.yaml': `version: "1.0"
server:
  admins:
    groups: [ops]
`,
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORDS.alice)}', email: alice@example.com, groups: [eng] }
        bob: { password_hash: '${await hashPassword(PASSWORDS.bob)}', email: bob@example.com, groups: [ops, eng] }
  pg-prod:
    name: Orders database
    provider: postgres
    config:
      url: postgresql://${ADMIN}@127.0.0.1:${db.port}/postgres
      password: \${PG_ADMIN_PASSWORD}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  db-reader:
    name: Orders reader
    description: Read the orders
    inherits: [postgresql:readers]
    scopes: { groups: [eng] }
    providers: [pg-prod]
    max_duration: 1h
  db-ghost:
    name: Inherits a role the database lacks
    description: Refused by PostgreSQL
    inherits: [postgresql:no_such_group]
    scopes: { groups: [eng] }
    providers: [pg-prod]
    max_duration: 1h
`,
    });
    server = await start();
    for (const user of ['alice', 'bob'] as const) {
      const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', user, '--password-stdin'], { env: home(user), input: `${PASSWORDS[user]}\n` });
      assert.equal(login.code, 0, login.stderr);
    }
  });

  after(async () => {
    await server?.stop();
    await db?.stop();
    await dir?.cleanup();
  });

  it('the reconciler revokes a Lease-made role that no request accounts for, and audits it', async (t) => {
    if (!requirePostgres(t, db)) return;
    const entries = await waitUntil('the stray role revoked and audited', async () => {
      const list = await leaseJson<Array<{ action: string }>>(['audit', '--json', '--subject', STRAY_ID], home('bob'));
      return list.length > 0 ? list : undefined;
    }, 60_000, 200);
    assert.deepEqual(entries.map((e) => e.action), ['grant.orphaned']);
    assert.ok(!(await leaseRoles()).includes(STRAY_ROLE));
  });

  it('the requester fetches credentials and logs in; nobody else gets them; revoke ends the login', async (t) => {
    if (!requirePostgres(t, db)) return;
    const lease = await request('db-reader', '30m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const c = await credentials(lease.id);
    assert.equal(c.kind, 'postgresql');
    assert.deepEqual([c.host, c.port, c.database, c.expiration], ['127.0.0.1', db.port, 'postgres', lease.expires_at]);
    assert.deepEqual(await leaseRoles(), [c.username]);
    const session = new pg.Client({ connectionString: c.url });
    session.on('error', () => undefined);
    const ended = new Promise<Error>((resolve) => session.once('error', resolve));
    await session.connect();
    assert.deepEqual((await session.query('SELECT item FROM app.orders')).rows, [{ item: 'tea' }]);

    const bob = await runLease(['credentials', lease.id, '--format', 'json'], { env: home('bob') });
    assert.equal(bob.code, 1);
    assert.equal(bob.stdout, '');
    assert.match(bob.stderr, /only the requester of .* may fetch its credentials \[not_requester\]\n$/);

    const env = await runLease(['credentials', lease.id, '--format', 'env'], { env: home('alice') });
    assert.equal(env.code, 0, env.stderr);
    assert.deepEqual(env.stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]), ['export PGHOST', 'export PGPORT', 'export PGDATABASE', 'export PGUSER', 'export PGPASSWORD']);
    const url = await runLease(['credentials', lease.id, '--format', 'url'], { env: home('alice') });
    assert.equal(url.code, 0, url.stderr);
    const latest = url.stdout.trim();
    issued.push(decodeURIComponent(new URL(latest).password));
    assert.match(latest, new RegExp(`^postgresql://${c.username}:[^@]+@127\\.0\\.0\\.1:${db.port}/postgres$`));
    assert.match((await loginError(c.url)) ?? '', /password authentication failed/, 'a new fetch replaced the password');
    assert.equal(await loginError(latest), undefined);
    const awsFormat = await runLease(['credentials', lease.id, '--format', 'credential-process'], { env: home('alice') });
    assert.equal(awsFormat.code, 2);
    assert.match(awsFormat.stderr, /--format credential-process is for AWS credentials; these are postgresql credentials/);

    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], home('alice'))).status, 'revoked');
    assert.match((await ended).message, /terminat/i, 'the open session was ended');
    assert.match((await loginError(latest)) ?? '', /password authentication failed|does not exist/);
    assert.deepEqual(await leaseRoles(), []);
  });

  it('PostgreSQL refuses the login at expiry while the server is down (kill -9); the restarted server removes the role', async (t) => {
    if (!requirePostgres(t, db)) return;
    const lease = await request('db-reader', '8s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const c = await credentials(lease.id);
    assert.equal(await loginError(c.url), undefined);
    const port = Number(new URL(server!.url).port);
    earlierOutput.push(server!.output);
    await server!.crash();
    server = undefined;
    await waitUntil('PostgreSQL to refuse the expired login', async () => {
      const error = await loginError(c.url);
      return error && /password authentication failed/.test(error) ? true : undefined;
    }, 60_000, 250);
    assert.ok(Date.now() >= Date.parse(lease.expires_at ?? ''));
    assert.deepEqual(await leaseRoles(), [c.username], 'only the login ended; the role waits for Lease');
    server = await start(port);
    await waitUntil('the lease revoked after the restart', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], home('alice'))).status === 'revoked' ? true : undefined), 60_000, 250);
    assert.deepEqual(await leaseRoles(), []);
  });

  it('a role inheriting a group the database lacks fails the request, naming it, and leaves nothing', async (t) => {
    if (!requirePostgres(t, db)) return;
    const r = await runLease(['request', '--role', 'db-ghost', '--provider', 'pg-prod', '--duration', '10m', '--reason', 'INC-10', '--wait', '--json'], { env: home('alice') });
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /inherits postgresql:no_such_group, but the database has no such role/);
    assert.deepEqual(await leaseRoles(), []);
  });

  it('never writes a password to its log', async (t) => {
    if (!requirePostgres(t, db)) return;
    assert.ok(issued.length >= 3);
    const logs = [...earlierOutput, server!.output].join('\n');
    assert.match(logs, /credentials issued/);
    for (const secret of [ADMIN_PASSWORD, ...issued]) assert.ok(!logs.includes(secret));
    for (const secret of issued) assert.ok(!(await db.log()).includes(secret), 'nor does PostgreSQL see it in clear');
  });
});
