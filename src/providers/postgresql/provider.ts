// The `postgresql` access provider: a lease is a login role of its own, `lease_<request id>`,
// valid until the lease's expiry (PostgreSQL itself refuses password logins after it, Lease up or
// not), tagged with a comment naming the provider and the request, member of the group roles the
// role inherits and/or granted privileges on tables and schemas. The requester's password is
// set when they fetch credentials, and only its SCRAM verifier reaches the server. See README.md.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { Logger } from '../../core/index.js';
import { TargetRefused, withRetries, type RetryOptions } from '../cloud/index.js';
import type { AccessCredentials, AccessProvider, ActiveGrant, ActiveLease, EngineIssue, GrantInput, GrantRecord, NativeRole, NativeRoleQuery, ProviderFactory, ProviderInstance } from '../provider.js';
import { adminTarget, clientTarget, isLoopback, postgresqlConfigSchema, sslModeOf, type PostgresqlConfig } from './config.js';
import { pgError } from './errors.js';
import { objectGrantStatements, planGrant } from './grant-plan.js';
import { describeLeaseRole, ident, leaseRoleName, literal, newPassword, parseLeaseRoleComment, scramVerifier, type LeaseRoleTag } from './sql.js';

/** What a grant record keeps: the role's name (never a password). */
export interface PostgresqlGrantData {
  role: string;
}

export interface PostgresqlProviderOptions {
  /** Directory relative password_file and ca paths are resolved against. */
  configDir?: string;
  logger?: Logger;
  retry?: RetryOptions;
  /** Admin connections kept at most (default 4). */
  maxConnections?: number;
}

interface RoleRow {
  rolname: string;
  comment: string | null;
}

/** How long revoke waits for each of the lease role's sessions to end. */
const TERMINATE_WAIT_MS = 5_000;
/** A concurrent grant of the same request can win the CREATE ROLE race; the loser then adopts its role. */
const GRANT_ATTEMPTS = 2;

export class PostgresqlAccessProvider implements AccessProvider {
  readonly type = 'postgresql';
  private readonly target: string;
  private readonly configDir: string;
  private pool: Promise<Pool> | undefined;
  private superuser: Promise<boolean> | undefined;

  constructor(
    readonly id: string,
    private readonly config: PostgresqlConfig,
    private readonly options: PostgresqlProviderOptions = {},
  ) {
    this.target = `postgresql provider "${id}"`;
    this.configDir = options.configDir ?? process.cwd();
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const plan = planGrant(input.role, this.id);
    const role = leaseRoleName(input.requestId);
    const tag: LeaseRoleTag = { provider: this.id, request: input.requestId };
    const until = literal(validUntil(input.expiresAt));
    await this.withClient(`grant request ${input.requestId} (role ${role})`, async (client) => {
      if (plan.memberships.length > 0) {
        const { rows } = await client.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])', [plan.memberships]);
        const missing = plan.memberships.filter((m) => !rows.some((r) => r.rolname === m));
        if (missing.length > 0) {
          throw new TargetRefused('target_not_found', `${this.target}: role "${input.role.id}" inherits ${missing.map((m) => `postgresql:${m}`).join(', ')}, but the database has no such role (\`lease providers roles ${this.id}\` lists those a lease may inherit)`);
        }
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await inTransaction(client, async () => {
            await lockRole(client, role);
            const existing = await roleRow(client, role);
            if (existing) {
              // Made by an earlier attempt of this grant (a crash before its record, a retry): bring it up to date.
              this.checkTag(existing, input.requestId);
              await client.query(`ALTER ROLE ${ident(role)} WITH LOGIN VALID UNTIL ${until}`);
            } else {
              // An unusable random password until the requester fetches credentials (which sets a new one).
              await client.query(`CREATE ROLE ${ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${literal(scramVerifier(newPassword()))} VALID UNTIL ${until}`);
              await client.query(`COMMENT ON ROLE ${ident(role)} IS ${literal(describeLeaseRole(tag))}`);
            }
            for (const group of plan.memberships) await client.query(`GRANT ${ident(group)} TO ${ident(role)}`);
            for (const statement of objectGrantStatements(plan, role)) await client.query(statement);
          });
          return;
        } catch (err) {
          // 42710 duplicate_object, or 23505 when both CREATE ROLEs passed the check before either committed.
          const code = (err as { code?: string }).code;
          if ((code === '42710' || code === '23505') && attempt < GRANT_ATTEMPTS) continue;
          throw err;
        }
      }
    });
    const data: PostgresqlGrantData = { role };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const role = typeof record.data.role === 'string' ? record.data.role : leaseRoleName(record.requestId);
    await this.withClient(`revoke request ${record.requestId} (role ${role})`, async (client) => {
      const found = await inTransaction(client, async () => {
        await lockRole(client, role);
        const existing = await roleRow(client, role);
        if (!existing) return false;
        this.checkTag(existing, record.requestId);
        // No new sessions, then end the open ones: a revoked lease keeps no connection.
        await client.query(`ALTER ROLE ${ident(role)} WITH NOLOGIN`);
        // A non-superuser admin needs the role's privileges to end its sessions and drop what it owns.
        if (!(await this.isSuperuser(client))) await client.query(`GRANT ${ident(role)} TO CURRENT_USER`);
        return true;
      });
      if (!found) return;
      await client.query('SELECT pg_catalog.pg_terminate_backend(pid, $2) FROM pg_catalog.pg_stat_activity WHERE usename = $1 AND pid <> pg_catalog.pg_backend_pid()', [role, TERMINATE_WAIT_MS]);
      await inTransaction(client, async () => {
        await lockRole(client, role);
        if (!(await roleRow(client, role))) return;
        // What the lease created is kept, owned by the admin role; its privileges go with it.
        await client.query(`REASSIGN OWNED BY ${ident(role)} TO CURRENT_USER`);
        await client.query(`DROP OWNED BY ${ident(role)}`);
        await client.query(`DROP ROLE ${ident(role)}`);
      });
    });
  }

  async listActive(): Promise<ActiveGrant[]> {
    return this.withClient('list lease roles', async (client) => {
      const { rows } = await client.query<RoleRow>(`SELECT r.rolname, pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment FROM pg_catalog.pg_roles r WHERE r.rolname LIKE 'lease\\_%' ORDER BY r.rolname`);
      return rows.flatMap((row) => {
        const tag = parseLeaseRoleComment(row.comment);
        if (tag?.provider !== this.id) return [];
        const data: PostgresqlGrantData = { role: row.rolname };
        return [{ provider: this.id, requestId: tag.request, data: { ...data } }];
      });
    });
  }

  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    const rows = await this.withClient('list group roles', async (client) => {
      const answer = await client.query<{ rolname: string; description: string | null }>(
        `SELECT r.rolname, pg_catalog.shobj_description(r.oid, 'pg_authid') AS description FROM pg_catalog.pg_roles r WHERE NOT r.rolcanlogin AND r.rolname NOT LIKE 'lease\\_%' ORDER BY r.rolname`,
      );
      return answer.rows;
    });
    const search = query.search?.toLowerCase();
    const roles = rows.map((r) => ({ id: r.rolname, name: r.rolname, ...(r.description ? { description: r.description } : {}) }));
    const matching = search ? roles.filter((r) => [r.id, r.description ?? ''].some((text) => text.toLowerCase().includes(search))) : roles;
    return matching.slice(0, query.limit ?? 100);
  }

  /**
   * A new password for the lease role, set now (as a SCRAM verifier) and returned to the
   * requester only: nothing is stored, and each fetch replaces the previous password (sessions
   * already open stay). The role's VALID UNTIL is set to the lease's expiry again, which follows
   * an extension.
   */
  async credentials(record: GrantRecord, lease: ActiveLease): Promise<AccessCredentials> {
    const role = typeof record.data.role === 'string' ? record.data.role : leaseRoleName(record.requestId);
    const password = newPassword();
    await this.withClient(`set the password of role ${role}`, (client) =>
      inTransaction(client, async () => {
        await lockRole(client, role);
        const existing = await roleRow(client, role);
        if (!existing) throw new TargetRefused('target_not_found', `${this.target}: the lease role ${role} of request ${record.requestId} no longer exists`);
        this.checkTag(existing, record.requestId);
        await client.query(`ALTER ROLE ${ident(role)} WITH PASSWORD ${literal(scramVerifier(password))} VALID UNTIL ${literal(validUntil(lease.expiresAt))}`);
      }),
    );
    const { host, port, database } = clientTarget(this.config);
    const sslmode = sslModeOf(this.config);
    const hostInUrl = host.includes(':') ? `[${host}]` : host;
    const url = `postgresql://${encodeURIComponent(role)}:${encodeURIComponent(password)}@${hostInUrl}:${port}/${encodeURIComponent(database)}${sslmode === 'disable' ? '' : `?sslmode=${sslmode}`}`;
    return { kind: 'postgresql', url, host, port, database, username: role, password, expiration: lease.expiresAt, ...(sslmode === 'disable' ? {} : { sslmode }) };
  }

  /** Closes the admin connections (tests, tools); the server keeps them for its life. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }

  /** A role named like a lease role that Lease did not make for this request is never changed or dropped. */
  private checkTag(row: RoleRow, requestId: string): void {
    const tag = parseLeaseRoleComment(row.comment);
    if (tag?.request !== requestId || tag.provider !== this.id) {
      throw new TargetRefused('target_conflict', `${this.target}: role ${row.rolname} exists but its comment does not say Lease made it for request ${requestId} on this provider; Lease leaves it alone`);
    }
  }

  private async isSuperuser(client: PoolClient): Promise<boolean> {
    this.superuser ??= client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user').then((r) => r.rows[0]?.rolsuper === true);
    try {
      return await this.superuser;
    } catch (err) {
      this.superuser = undefined;
      throw err;
    }
  }

  /** Runs `work` on an admin connection; PostgreSQL's errors become Lease's (errors.ts); unreachable is retried a few times here. */
  private withClient<T>(what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withRetries(async () => {
      let client: PoolClient;
      try {
        client = await (await this.connections()).connect();
      } catch (err) {
        throw pgError(err, this.target, what);
      }
      let broken: Error | undefined;
      try {
        return await work(client);
      } catch (err) {
        // A connection that failed (not a statement PostgreSQL refused) is not returned to the pool.
        const code = (err as { code?: unknown }).code;
        if (!(err instanceof TargetRefused) && !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))) broken = err instanceof Error ? err : new Error(String(err));
        throw pgError(err, this.target, what);
      } finally {
        client.release(broken);
      }
    }, this.options.retry);
  }

  private connections(): Promise<Pool> {
    this.pool ??= this.openPool().catch((err: unknown) => {
      this.pool = undefined;
      throw err;
    });
    return this.pool;
  }

  /** pg is imported here, at the first call: a server without a postgresql provider never loads it. */
  private async openPool(): Promise<Pool> {
    const { default: pg } = await import('pg');
    const admin = adminTarget(this.config);
    const sslmode = sslModeOf(this.config);
    const ca = this.config.ca === undefined ? undefined : await readFile(this.path(this.config.ca), 'utf8');
    const config: PoolConfig = {
      host: admin.host,
      port: admin.port,
      database: admin.database,
      user: admin.user,
      // Read at each new connection, so a rotated password_file applies without a restart.
      password: () => this.adminPassword(),
      ssl: sslmode === 'disable' ? false : sslmode === 'require' ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...(ca ? { ca } : {}) },
      application_name: 'lease',
      max: this.options.maxConnections ?? 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    };
    const pool = new pg.Pool(config);
    // An idle connection the server closed: logged, never thrown (an unhandled 'error' would end the process).
    pool.on('error', (err) => this.options.logger?.warn({ provider: this.id, err: err.message }, 'postgresql admin connection lost'));
    return pool;
  }

  private async adminPassword(): Promise<string> {
    if (this.config.password !== undefined) return this.config.password;
    if (this.config.password_file !== undefined) return (await readFile(this.path(this.config.password_file), 'utf8')).replace(/\r?\n$/, '');
    return decodeURIComponent(new URL(this.config.url).password);
  }

  private path(file: string): string {
    return isAbsolute(file) ? file : resolve(this.configDir, file);
  }
}

async function roleRow(client: PoolClient, name: string): Promise<RoleRow | undefined> {
  const { rows } = await client.query<RoleRow>(`SELECT r.rolname, pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment FROM pg_catalog.pg_roles r WHERE r.rolname = $1`, [name]);
  return rows[0];
}

/**
 * Serialises the changes to one lease role until the transaction ends, across connections and
 * Lease replicas: PostgreSQL fails concurrent ALTER ROLEs of one role ("tuple concurrently
 * updated"), and two grants of one request would both try CREATE ROLE.
 */
async function lockRole(client: PoolClient, role: string): Promise<void> {
  await client.query('SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($1, 0))', [`lease-role:${role}`]);
}

async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The expiry as PostgreSQL reads it; a malformed one is refused, never sent. */
function validUntil(expiresAt: string): string {
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) throw new TargetRefused('target_refused', `the lease expiry ${JSON.stringify(expiresAt)} is not a date`);
  return new Date(ms).toISOString();
}

export const postgresqlProviderFactory: ProviderFactory<PostgresqlConfig> = {
  type: 'postgresql',
  aliases: ['postgres'],
  capabilities: ['access'],
  configSchema: postgresqlConfigSchema,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    const access = new PostgresqlAccessProvider(id, config, { configDir: deps.configDir, ...(deps.logger ? { logger: deps.logger } : {}) });
    return { id, type: 'postgresql', name, enabled, capabilities: ['access'], access };
  },
  configWarnings(config): EngineIssue[] {
    const host = adminTarget(config).host;
    const mode = sslModeOf(config);
    if (mode === 'disable' && !isLoopback(host)) return [{ path: ['ssl'], message: `TLS is off to ${host}: the admin password and lease passwords cross the network in a readable session; use ssl: verify-full` }];
    if (mode === 'require') return [{ path: ['ssl'], message: 'ssl: require encrypts but does not verify the server\'s certificate; use verify-full (with ca: when a private CA signs it)' }];
    return [];
  },
};
