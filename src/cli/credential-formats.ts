// How `lease credentials` writes credentials: the shapes other tools read. Only stdout gets
// them (never stderr, never a file), so they go where the caller redirects them.
import type { AccessCredentialsView } from '../server/api/schemas.js';

export const CREDENTIAL_FORMATS = ['env', 'json', 'credential-process'] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

/** The AWS CLI's `credential_process` output (version 1). */
export function credentialProcessDocument(c: AccessCredentialsView): Record<string, unknown> {
  return { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration };
}

/** `export NAME='value'` lines for a POSIX shell (`eval "$(lease credentials ID)"`). */
export function envLines(c: AccessCredentialsView): string[] {
  const vars: Array<[string, string]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration],
  ];
  if (c.region) vars.push(['AWS_REGION', c.region], ['AWS_DEFAULT_REGION', c.region]);
  return vars.map(([name, value]) => `export ${name}=${shellQuoted(value)}`);
}

/** Single-quoted for a POSIX shell: nothing inside is expanded. */
function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
