// The postgresql provider against a real PostgreSQL 15 (test/support/postgres.ts), with a
// least-privilege admin role (LOGIN CREATEROLE, owner of the test tables; not a superuser), as the
// user docs tell operators to make it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Identity } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole, PostgresqlAccessCredentials } from '../provider.js';
import { newId } from '../../core/index.js';
import { waitUntil } from '../../../test/support/lease-process.js';
import { postgresBinDir, requirePostgres, startPostgres, type PostgresServer } from '../../../test/support/postgres.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { postgresqlConfigSchema } from './config.js';
import { PostgresqlAccessProvider } from './provider.js';
import { leaseRoleName } from './sql.js';

const ADMIN = 'leaseadmin';
const ADMIN_PASSWORD = 'admin-Pw-7hq2Lx9z';
const HOSTILE = 'r"; DROP ROLE leaseadmin; --';
registerTestSecret(ADMIN_PASSWORD);

const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: ['eng'], provider: 'local', provider_type: 'local' } as Identity;
const readerRole: GrantRole = { id: 'db-reader', name: 'DB reader', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['postgresql:readers'] };
const HOUR = 3_600_000;

describe('postgresql provider on a real PostgreSQL', () => {
  let server: PostgresServer | undefined;
  let provider: PostgresqlAccessProvider;
  const providers: PostgresqlAccessProvider[] = [];

  /** One statement as the superuser (the test's view of the database; never the provider's). */
  const superQuery = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: server!.url() });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const make = (id = 'pg-test', extra: Record<string, unknown> = {}) => {
    const p = new PostgresqlAccessProvider(id, postgresqlConfigSchema.parse({ url: `postgresql://${ADMIN}@127.0.0.1:${server!.port}/postgres`, password: ADMIN_PASSWORD, ...extra }), { retry: { attempts: 2, baseDelayMs: 10 } });
    providers.push(p);
    return p;
  };
  const input = (over: Partial<GrantInput> = {}): GrantInput => ({ requestId: newId('req'), identity: alice, role: readerRole, expiresAt: new Date(Date.now() + HOUR).toISOString(), ...over });
  const lease = (i: GrantInput) => ({ requestId: i.requestId, identity: i.identity, role: i.role, expiresAt: i.expiresAt });
  const roleInfo = (name: string) => superQuery<{ rolcanlogin: boolean; rolvaliduntil: Date | null; comment: string | null; member_of: string[] }>(
    `SELECT r.rolcanlogin, r.rolvaliduntil, shobj_description(r.oid, 'pg_authid') AS comment,
            ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)::text[] AS member_of
       FROM pg_roles r WHERE r.rolname = $1`, [name]).then((rows) => rows[0]);
  const connectAs = async (c: PostgresqlAccessCredentials) => {
    const client = new pg.Client({ connectionString: c.url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  /** The error a login with these credentials gets now, or undefined when it succeeds. */
  const loginError = async (c: PostgresqlAccessCredentials): Promise<string | undefined> => {
    try {
      const client = await connectAs(c);
      await client.end();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };

  before(async () => {
    if (!postgresBinDir()) return;
    server = await startPostgres();
    await superQuery(`CREATE ROLE ${ADMIN} LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'`);
    await superQuery(`GRANT CREATE ON DATABASE postgres TO ${ADMIN}`);
    const admin = new pg.Client({ connectionString: server.url(ADMIN, ADMIN_PASSWORD) });
    await admin.connect();
    for (const sql of [
      'CREATE SCHEMA app',
      'CREATE TABLE app.orders (id int PRIMARY KEY, item text)',
      "INSERT INTO app.orders VALUES (1, 'tea')",
      'CREATE TABLE app.secrets (v text)',
      'CREATE SCHEMA scratch',
      'CREATE ROLE readers NOLOGIN',
      "COMMENT ON ROLE readers IS 'Read the app schema'",
      'GRANT USAGE ON SCHEMA app TO readers',
      'GRANT SELECT ON app.orders TO readers',
      'GRANT USAGE, CREATE ON SCHEMA scratch TO readers',
      'CREATE ROLE writers NOLOGIN',
      `CREATE ROLE ${pg.escapeIdentifier(HOSTILE)} NOLOGIN`,
      'CREATE ROLE someone LOGIN',
    ]) await admin.query(sql);
    await admin.end();
    provider = make();
  });
  after(async () => {
    for (const p of providers) await p.close();
    await server?.stop();
  });

  it('grants a login role of its own, valid until the expiry, tagged, member of the inherited role', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    const name = leaseRoleName(i.requestId);
    assert.deepEqual(record, { provider: 'pg-test', requestId: i.requestId, data: { role: name } });
    const info = await roleInfo(name);
    assert.equal(info?.rolcanlogin, true);
    assert.equal(info?.rolvaliduntil?.toISOString(), i.expiresAt);
    assert.equal(info?.comment, `lease:{"provider":"pg-test","request":"${i.requestId}"}`);
    assert.deepEqual(info?.member_of, ['readers']);
    await provider.revoke(record);
    assert.equal(await roleInfo(name), undefined);
  });

  it('the requester logs in with the fetched credentials while the lease is active, with the inherited privileges', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    const c = (await provider.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(c.password);
    assert.equal(c.kind, 'postgresql');
    assert.equal(c.username, leaseRoleName(i.requestId));
    assert.deepEqual([c.host, c.port, c.database, c.expiration], ['127.0.0.1', server.port, 'postgres', i.expiresAt]);
    assert.equal(c.url, `postgresql://${c.username}:${c.password}@127.0.0.1:${server.port}/postgres`);
    const client = await connectAs(c);
    assert.deepEqual((await client.query('SELECT item FROM app.orders')).rows, [{ item: 'tea' }]);
    await assert.rejects(client.query('SELECT * FROM app.secrets'), /permission denied/);
    await client.end();
    // The stored verifier is SCRAM; the clear password never reached the server.
    const [stored] = await superQuery<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [c.username]);
    assert.match(stored?.rolpassword ?? '', /^SCRAM-SHA-256\$4096:/);
    assert.ok(!(await server.log()).includes(c.password));
    // A second fetch replaces the password.
    const again = (await provider.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(again.password);
    assert.notEqual(again.password, c.password);
    assert.match((await loginError(c)) ?? '', /password authentication failed/);
    assert.equal(await loginError(again), undefined);
    await provider.revoke(record);
    assert.match((await loginError(again)) ?? '', /password authentication failed|does not exist/);
  });

  it('PostgreSQL refuses the login after VALID UNTIL by itself, with Lease stopped', async (t) => {
    if (!requirePostgres(t, server)) return;
    const p = make();
    const i = input({ expiresAt: new Date(Date.now() + 4_000).toISOString() });
    const record = await p.grant(i);
    const c = (await p.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(c.password);
    await p.close(); // Lease is gone: nothing will revoke.
    await waitUntil('PostgreSQL to refuse the expired login', async () => {
      const error = await loginError(c);
      return error && /password authentication failed/.test(error) ? error : undefined;
    }, 60_000, 250);
    assert.ok(Date.now() >= Date.parse(i.expiresAt), 'refused only once expired');
    assert.ok(await roleInfo(c.username), 'the role is still there: only its login ended');
    await provider.revoke(record);
  });

  it('revoke ends the lease role\'s open sessions, and its login', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    const c = (await provider.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(c.password);
    const session = await connectAs(c);
    const ended = new Promise<Error>((resolve) => session.once('error', resolve));
    assert.deepEqual((await session.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    await provider.revoke(record);
    assert.match((await ended).message, /terminat/i);
    await assert.rejects(session.query('SELECT 1'));
    const [{ count }] = (await superQuery<{ count: string }>('SELECT count(*) FROM pg_stat_activity WHERE usename = $1', [c.username])) as [{ count: string }];
    assert.equal(count, '0');
    assert.match((await loginError(c)) ?? '', /password authentication failed|does not exist/);
  });

  it('what the lease created is kept, owned by the admin role', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    const c = (await provider.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(c.password);
    const session = await connectAs(c);
    await session.query('CREATE TABLE scratch.notes (t text)');
    await session.end();
    await provider.revoke(record);
    assert.deepEqual(await superQuery("SELECT tableowner FROM pg_tables WHERE schemaname = 'scratch' AND tablename = 'notes'"), [{ tableowner: ADMIN }]);
  });

  it('grants privileges on tables named in resources, and only those', async (t) => {
    if (!requirePostgres(t, server)) return;
    const role: GrantRole = { id: 'orders-writer', name: 'Orders writer', permissions: { allow: ['select', 'insert'], deny: [] }, resources: { allow: ['postgresql:table/app.orders'], deny: [] }, nativeRoles: [] };
    const i = input({ role });
    const record = await provider.grant(i);
    const c = (await provider.credentials(record, lease(i))) as PostgresqlAccessCredentials;
    registerTestSecret(c.password);
    const session = await connectAs(c);
    await session.query("INSERT INTO app.orders VALUES (2, 'cake')");
    await assert.rejects(session.query('DELETE FROM app.orders'), /permission denied/);
    await assert.rejects(session.query('SELECT * FROM app.secrets'), /permission denied/);
    await session.end();
    await provider.revoke(record);
    assert.deepEqual(await superQuery("SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE grantee LIKE 'lease\\_%'"), [{ n: 0 }]);
  });

  it('a role name with quotes and semicolons stays a name', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input({ role: { ...readerRole, nativeRoles: [`postgresql:${HOSTILE}`] } });
    const record = await provider.grant(i);
    assert.deepEqual((await roleInfo(leaseRoleName(i.requestId)))?.member_of, [HOSTILE]);
    assert.ok(await roleInfo(ADMIN), 'the admin role is still there');
    await provider.revoke(record);
  });

  it('granting again for the same request changes nothing but the expiry', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const first = await provider.grant(i);
    const later = new Date(Date.parse(i.expiresAt) + HOUR).toISOString();
    const second = await provider.grant({ ...i, expiresAt: later });
    assert.deepEqual(second, first);
    const info = await roleInfo(leaseRoleName(i.requestId));
    assert.deepEqual(info?.member_of, ['readers']);
    assert.equal(info?.rolvaliduntil?.toISOString(), later);
    await provider.revoke(first);
  });

  it('after a crash between CREATE ROLE and the record, granting again yields exactly one role, and revoke finds it without data', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    await provider.grant(i); // its record "lost" with the crash
    const restarted = make();
    const record = await restarted.grant(i);
    const rows = await superQuery("SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE $1", [`%${i.requestId}%`]);
    assert.deepEqual(rows, [{ rolname: leaseRoleName(i.requestId) }]);
    assert.ok((await restarted.listActive()).some((g) => g.requestId === i.requestId));
    await restarted.revoke({ provider: record.provider, requestId: i.requestId, data: {} });
    assert.equal(await roleInfo(leaseRoleName(i.requestId)), undefined);
  });

  it('concurrent grants of the same request make one role', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const others = [make(), make(), make()];
    const records = await Promise.all([provider.grant(i), ...others.map((p) => p.grant(i))]);
    for (const r of records) assert.deepEqual(r, records[0]);
    assert.deepEqual((await superQuery("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1", [leaseRoleName(i.requestId)])), [{ n: 1 }]);
    await provider.revoke(records[0]!);
  });

  it('concurrent revokes of one lease all succeed', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    await Promise.all([provider.revoke(record), make().revoke(record), make().revoke({ ...record, data: {} })]);
    assert.equal(await roleInfo(leaseRoleName(i.requestId)), undefined);
  });

  it('revoking a role already dropped by hand succeeds', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    const record = await provider.grant(i);
    await superQuery(`DROP ROLE ${pg.escapeIdentifier(leaseRoleName(i.requestId))}`);
    await provider.revoke(record);
    await provider.revoke({ ...record, data: {} });
  });

  it('overlapping leases of the same user and role are two independent login roles', async (t) => {
    if (!requirePostgres(t, server)) return;
    const one = input();
    const two = input();
    const [r1, r2] = [await provider.grant(one), await provider.grant(two)];
    assert.notEqual(r1.data.role, r2.data.role);
    const c2 = (await provider.credentials(r2, lease(two))) as PostgresqlAccessCredentials;
    registerTestSecret(c2.password);
    await provider.revoke(r1);
    assert.equal(await loginError(c2), undefined, 'the other lease still logs in');
    await provider.revoke(r2);
  });

  it('lists the lease roles it made, including one no lease accounts for; not others\'', async (t) => {
    if (!requirePostgres(t, server)) return;
    const mine = input();
    const stray = input();
    const theirs = input();
    await provider.grant(mine);
    await provider.grant(stray); // then forgotten: drift the reconciler must find
    const other = make('pg-other');
    await other.grant(theirs);
    await superQuery('CREATE ROLE lease_byhand LOGIN');
    const active = await provider.listActive();
    assert.deepEqual(active.map((g) => g.requestId).sort(), [mine.requestId, stray.requestId].sort());
    assert.deepEqual(active.find((g) => g.requestId === stray.requestId), { provider: 'pg-test', requestId: stray.requestId, data: { role: leaseRoleName(stray.requestId) } });
    assert.deepEqual((await other.listActive()).map((g) => g.requestId), [theirs.requestId]);
    for (const g of active) await provider.revoke(g);
    await other.revoke({ provider: 'pg-other', requestId: theirs.requestId, data: {} });
    await superQuery('DROP ROLE lease_byhand');
  });

  it('never touches a role named like a lease role that Lease did not make for that request', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input();
    await superQuery(`CREATE ROLE ${leaseRoleName(i.requestId)} LOGIN`);
    await assert.rejects(provider.grant(i), (err) => err instanceof TargetRefused && err.code === 'target_conflict' && /Lease leaves it alone/.test(err.message));
    await assert.rejects(provider.revoke({ provider: 'pg-test', requestId: i.requestId, data: {} }), (err) => err instanceof TargetRefused && err.code === 'target_conflict');
    assert.ok(await roleInfo(leaseRoleName(i.requestId)));
    await superQuery(`DROP ROLE ${leaseRoleName(i.requestId)}`);
  });

  it('lists group roles a lease may inherit, with their comment, searchable', async (t) => {
    if (!requirePostgres(t, server)) return;
    const all = await provider.listNativeRoles({});
    assert.deepEqual(all.find((r) => r.id === 'readers'), { id: 'readers', name: 'readers', description: 'Read the app schema' });
    assert.ok(all.some((r) => r.id === 'writers'));
    assert.ok(!all.some((r) => r.id === 'someone' || r.id === ADMIN || r.id.startsWith('lease_')), 'no login roles');
    assert.deepEqual((await provider.listNativeRoles({ search: 'APP SCHEMA' })).map((r) => r.id), ['readers']);
    assert.equal((await provider.listNativeRoles({ limit: 2 })).length, 2);
  });

  it('refuses an inherited role the database does not have, naming it', async (t) => {
    if (!requirePostgres(t, server)) return;
    const i = input({ role: { ...readerRole, nativeRoles: ['postgresql:readers', 'postgresql:no_such_role'] } });
    await assert.rejects(provider.grant(i), (err) => err instanceof TargetRefused && err.status === 404 && /inherits postgresql:no_such_role, but the database has no such role/.test(err.message));
    assert.equal(await roleInfo(leaseRoleName(i.requestId)), undefined);
  });

  it('an admin role without CREATEROLE is refused (4xx), saying what is missing', async (t) => {
    if (!requirePostgres(t, server)) return;
    await superQuery(`CREATE ROLE weakadmin LOGIN PASSWORD '${ADMIN_PASSWORD}'`);
    const weak = new PostgresqlAccessProvider('pg-weak', postgresqlConfigSchema.parse({ url: `postgresql://weakadmin@127.0.0.1:${server.port}/postgres`, password: ADMIN_PASSWORD }));
    providers.push(weak);
    await assert.rejects(weak.grant(input()), (err) => err instanceof TargetRefused && err.status === 403 && err.code === 'target_permission_denied' && /permission denied to create role.*42501/.test(err.message));
  });

  it('a wrong admin password is refused, without the password in the message', async (t) => {
    if (!requirePostgres(t, server)) return;
    const wrong = new PostgresqlAccessProvider('pg-wrong', postgresqlConfigSchema.parse({ url: `postgresql://${ADMIN}@127.0.0.1:${server.port}/postgres`, password: 'not-the-Password-1' }));
    providers.push(wrong);
    await assert.rejects(wrong.listActive(), (err) => err instanceof TargetRefused && /password authentication failed/.test(err.message) && !err.message.includes('not-the-Password-1'));
  });

  it('a server that does not answer is retryable', async (t) => {
    if (!requirePostgres(t, server)) return;
    const down = new PostgresqlAccessProvider('pg-down', postgresqlConfigSchema.parse({ url: `postgresql://${ADMIN}@127.0.0.1:1/postgres`, password: ADMIN_PASSWORD }), { retry: { attempts: 1 } });
    providers.push(down);
    await assert.rejects(down.grant(input()), (err) => err instanceof TargetUnavailable && err.status === 503);
  });

  it('too many connections is retryable', async (t) => {
    if (!requirePostgres(t, server)) return;
    await superQuery(`CREATE ROLE limited LOGIN CREATEROLE CONNECTION LIMIT 0 PASSWORD '${ADMIN_PASSWORD}'`);
    const limited = new PostgresqlAccessProvider('pg-limited', postgresqlConfigSchema.parse({ url: `postgresql://limited@127.0.0.1:${server.port}/postgres`, password: ADMIN_PASSWORD }), { retry: { attempts: 1 } });
    providers.push(limited);
    await assert.rejects(limited.listActive(), (err) => err instanceof TargetUnavailable && /too many connections/.test(err.message));
  });
});
