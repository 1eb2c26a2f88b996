// Where the gcp provider's Google credentials come from: the configured service account key
// (JSON text or a file), else Application Default Credentials — the file
// $GOOGLE_APPLICATION_CREDENTIALS names, else gcloud's well-known
// application_default_credentials.json. Of those files Lease reads two types: `service_account`
// (a key) and `authorized_user` (a refresh token from `gcloud auth application-default login`).
// Not supported: the metadata server (Compute Engine, GKE workload identity), external account
// (workload identity federation) and impersonated credentials; configure a key instead.
// The key's contents never reach a log or an error message.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { TargetRefused } from '../cloud/index.js';
import { isAllowedUrl } from './config.js';

export const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';

export type GoogleCredentials =
  | { kind: 'service_account'; clientEmail: string; privateKey: string; privateKeyId?: string; tokenUri: string; origin: string }
  | { kind: 'authorized_user'; clientId: string; clientSecret: string; refreshToken: string; tokenUri: string; origin: string };

export interface CredentialSource {
  /** `service_account_key` from the config: JSON text or a file path. */
  serviceAccountKey?: string;
  /** For a relative key path. */
  configDir: string;
  /** The environment ADC reads ($GOOGLE_APPLICATION_CREDENTIALS, $APPDATA, $CLOUDSDK_CONFIG). */
  env: NodeJS.ProcessEnv;
  homeDir?: string;
  /** Names the provider in messages. */
  target: string;
}

/** The credentials the source names; a TargetRefused (400) saying what is wrong, never what the key holds. */
export async function loadCredentials(source: CredentialSource): Promise<GoogleCredentials> {
  if (source.serviceAccountKey !== undefined) {
    const value = source.serviceAccountKey;
    const inline = value.trimStart().startsWith('{');
    const origin = inline ? 'service_account_key (inline JSON)' : `service_account_key file ${isAbsolute(value) ? value : resolve(source.configDir, value)}`;
    const text = inline ? value : await readText(isAbsolute(value) ? value : resolve(source.configDir, value), origin, source.target);
    return parseCredentials(text, origin, source.target);
  }
  const named = source.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (named !== undefined && named !== '') {
    const origin = `$GOOGLE_APPLICATION_CREDENTIALS file ${named}`;
    return parseCredentials(await readText(named, origin, source.target), origin, source.target);
  }
  const wellKnown = wellKnownFile(source.env, source.homeDir ?? homedir());
  const text = await readFile(wellKnown, 'utf8').catch(() => undefined);
  if (text !== undefined) return parseCredentials(text, `gcloud's application default credentials ${wellKnown}`, source.target);
  throw new TargetRefused(
    'target_refused',
    `${source.target}: no Google credentials: set service_account_key, or $GOOGLE_APPLICATION_CREDENTIALS to a key file, or run \`gcloud auth application-default login\` (Lease does not use the metadata server)`,
  );
}

/** gcloud's ADC file: $CLOUDSDK_CONFIG, else %APPDATA%\gcloud on Windows, else ~/.config/gcloud. */
function wellKnownFile(env: NodeJS.ProcessEnv, home: string): string {
  const dir = env.CLOUDSDK_CONFIG ?? (process.platform === 'win32' && env.APPDATA ? join(env.APPDATA, 'gcloud') : join(home, '.config', 'gcloud'));
  return join(dir, 'application_default_credentials.json');
}

async function readText(path: string, origin: string, target: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TargetRefused('target_refused', `${target}: cannot read the ${origin} (${code}); give the key's JSON text or the path of its file`);
  }
}

/** The credentials a key or ADC file holds. Errors name the file and the field, never a value. */
export function parseCredentials(text: string, origin: string, target: string): GoogleCredentials {
  const bad = (what: string) => new TargetRefused('target_refused', `${target}: the ${origin} ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: it is left out.
    throw bad('is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('is not a JSON object');
  const record = json as Record<string, unknown>;
  const field = (name: string): string => {
    const value = record[name];
    if (typeof value !== 'string' || value === '') throw bad(`has no ${name}`);
    return value;
  };
  const tokenUri = typeof record.token_uri === 'string' && record.token_uri !== '' ? record.token_uri : DEFAULT_TOKEN_URI;
  if (!isAllowedUrl(tokenUri)) throw bad('has a token_uri that is not an https URL');
  if (record.type === 'service_account') {
    const privateKeyId = typeof record.private_key_id === 'string' && record.private_key_id !== '' ? record.private_key_id : undefined;
    return { kind: 'service_account', clientEmail: field('client_email'), privateKey: field('private_key'), ...(privateKeyId ? { privateKeyId } : {}), tokenUri, origin };
  }
  if (record.type === 'authorized_user') {
    return { kind: 'authorized_user', clientId: field('client_id'), clientSecret: field('client_secret'), refreshToken: field('refresh_token'), tokenUri, origin };
  }
  throw bad(`has type ${JSON.stringify(typeof record.type === 'string' ? record.type.slice(0, 40) : record.type ?? null)}; Lease reads service_account keys and authorized_user credentials`);
}
