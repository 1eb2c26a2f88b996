// `providers.<id>.config` for type `postgresql` (Thand's `postgres`): the admin connection Lease
// creates lease roles with, its password (inline, from the environment, or a file), TLS, and what
// the requesters connect to when that differs from the admin connection. Unknown keys are errors.
import { z } from 'zod';

export const SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/** `postgresql://user[:password]@host[:port]/database[?sslmode=...]`; no other query parameter. */
const adminUrl = z
  .string({ error: (issue) => (issue.input === undefined ? 'the admin connection url is required (postgresql://lease_admin@db.example.com:5432/app)' : 'expected a postgresql:// URL') })
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected a URL like postgresql://lease_admin@db.example.com:5432/app (percent-encode special characters of the password, or give it as password / password_file)' });
      return;
    }
    const url = new URL(value);
    if (!PROTOCOLS.has(url.protocol)) ctx.addIssue({ code: 'custom', message: `expected a postgresql:// or postgres:// URL, not ${url.protocol}//` });
    if (url.hostname === '') ctx.addIssue({ code: 'custom', message: 'expected a host name (Unix sockets are not supported)' });
    if (url.username === '') ctx.addIssue({ code: 'custom', message: 'expected the admin role as the URL\'s user name (postgresql://lease_admin@host/db)' });
    if (url.hash !== '') ctx.addIssue({ code: 'custom', message: 'expected no #fragment' });
    for (const key of url.searchParams.keys()) {
      if (key !== 'sslmode') ctx.addIssue({ code: 'custom', message: `query parameter "${key}" is not supported: the url may carry only sslmode (TLS settings: ssl, ca)` });
    }
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) ctx.addIssue({ code: 'custom', message: `sslmode=${sslmode} is not supported: expected one of ${SSL_MODES.join(', ')}` });
  });

const port = z.number().int().min(1).max(65535);

export const postgresqlConfigSchema = z
  .strictObject({
    /** The admin connection: a role with CREATEROLE (see the user docs for every privilege it needs). */
    url: adminUrl,
    /** The admin role's password, usually `${PG_ADMIN_PASSWORD}`; instead of one in the url. */
    password: z.string().min(1, 'expected the admin password (e.g. ${PG_ADMIN_PASSWORD})').optional(),
    /** A file holding the admin role's password (one line), relative to the config file's directory. */
    password_file: z.string().min(1, 'expected a file path').optional(),
    /** TLS to the server: disable, require (encrypted, not verified) or verify-full. Default: the url's sslmode, else verify-full, or disable on a loopback address. */
    ssl: z.enum(SSL_MODES, { error: `expected one of ${SSL_MODES.join(', ')}` }).optional(),
    /** A PEM file of the CA certificates to verify the server with (verify-full), relative to the config file's directory. */
    ca: z.string().min(1, 'expected a PEM file path').optional(),
    /** What requesters connect to, when it differs from the admin url (a proxy, a public name). */
    client: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: port.optional(),
        database: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    if (!URL.canParse(config.url)) return;
    const url = new URL(config.url);
    if (config.password !== undefined && config.password_file !== undefined) ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'give the admin password as password or password_file, not both' });
    if ((config.password !== undefined || config.password_file !== undefined) && url.password !== '') {
      ctx.addIssue({ code: 'custom', path: [config.password !== undefined ? 'password' : 'password_file'], message: 'the url already carries a password: give it in one place' });
    }
    const urlMode = url.searchParams.get('sslmode');
    if (config.ssl !== undefined && urlMode !== null && urlMode !== config.ssl) ctx.addIssue({ code: 'custom', path: ['ssl'], message: `the url says sslmode=${urlMode}: give the TLS mode in one place` });
    if (config.ca !== undefined && sslModeOf(config) !== 'verify-full') ctx.addIssue({ code: 'custom', path: ['ca'], message: 'a CA file is used only with ssl: verify-full' });
  });

export type PostgresqlConfig = z.infer<typeof postgresqlConfigSchema>;

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** The TLS mode in force: `ssl`, else the url's sslmode, else verify-full (disable on a loopback address). */
export function sslModeOf(config: Pick<PostgresqlConfig, 'url' | 'ssl'>): SslMode {
  if (config.ssl) return config.ssl;
  const url = new URL(config.url);
  const fromUrl = url.searchParams.get('sslmode') as SslMode | null;
  if (fromUrl) return fromUrl;
  return isLoopback(url.hostname) ? 'disable' : 'verify-full';
}

/** Where the admin connection goes: host, port (default 5432), database (default postgres), user. */
export function adminTarget(config: Pick<PostgresqlConfig, 'url'>): { host: string; port: number; database: string; user: string } {
  const url = new URL(config.url);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    database: database === '' ? 'postgres' : database,
    user: decodeURIComponent(url.username),
  };
}

/** What requesters connect to: `client` over the admin url's host, port and database. */
export function clientTarget(config: PostgresqlConfig): { host: string; port: number; database: string } {
  const admin = adminTarget(config);
  return { host: config.client?.host ?? admin.host, port: config.client?.port ?? admin.port, database: config.client?.database ?? admin.database };
}
