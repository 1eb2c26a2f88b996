// How `lease credentials` writes credentials: the shapes other tools read. Only stdout gets
// them (never stderr, never a file), so they go where the caller redirects them.
import type { AccessCredentialsView } from '../server/api/schemas.js';
import { CliError } from './errors.js';

export const CREDENTIAL_FORMATS = ['env', 'json', 'credential-process', 'url'] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

type AwsView = Extract<AccessCredentialsView, { kind: 'aws' }>;

/** The AWS CLI's `credential_process` output (version 1); AWS credentials only. */
export function credentialProcessDocument(c: AccessCredentialsView): Record<string, unknown> {
  const aws = onlyAws(c, 'credential-process');
  return { Version: 1, AccessKeyId: aws.accessKeyId, SecretAccessKey: aws.secretAccessKey, SessionToken: aws.sessionToken, Expiration: aws.expiration };
}

/** A connection URL (postgresql://user:password@host:port/db); database credentials only. */
export function connectionUrl(c: AccessCredentialsView): string {
  if (c.kind !== 'postgresql') throw new CliError(`--format url is for database credentials; these are ${c.kind} credentials (use env or json)`, 2, 'usage');
  return c.url;
}

/** `export NAME='value'` lines for a POSIX shell (`eval "$(lease credentials ID)"`): the variables the target's own tools read. */
export function envLines(c: AccessCredentialsView): string[] {
  const vars: Array<[string, string]> = [];
  if (c.kind === 'postgresql') {
    // libpq's variables: psql, pg_dump and most drivers read them.
    vars.push(['PGHOST', c.host], ['PGPORT', String(c.port)], ['PGDATABASE', c.database], ['PGUSER', c.username], ['PGPASSWORD', c.password]);
    if (c.sslmode) vars.push(['PGSSLMODE', c.sslmode]);
  } else {
    vars.push(['AWS_ACCESS_KEY_ID', c.accessKeyId], ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey], ['AWS_SESSION_TOKEN', c.sessionToken], ['AWS_CREDENTIAL_EXPIRATION', c.expiration]);
    if (c.region) vars.push(['AWS_REGION', c.region], ['AWS_DEFAULT_REGION', c.region]);
  }
  return vars.map(([name, value]) => `export ${name}=${shellQuoted(value)}`);
}

function onlyAws(c: AccessCredentialsView, format: string): AwsView {
  if (c.kind !== 'aws') throw new CliError(`--format ${format} is for AWS credentials; these are ${c.kind} credentials (use env, json or url)`, 2, 'usage');
  return c;
}

/** Single-quoted for a POSIX shell: nothing inside is expanded. */
function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
