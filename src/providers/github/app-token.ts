// A GitHub App installation access token: a short RS256 JWT signed with the App's private key
// (iss = App id, at most 10 minutes) is exchanged for an installation token that lasts an hour
// (POST /app/installations/{installation_id}/access_tokens). See GitHub's "Generating a JSON Web
// Token (JWT) for a GitHub App" and "Generating an installation access token for a GitHub App".
// The key and both tokens are secrets: never logged, never part of an error.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { callRest, type AccessToken, type RestClientOptions } from '../cloud/index.js';

export interface AppCredentials {
  apiUrl: string;
  appId: number;
  /** PEM (PKCS#1 as GitHub hands it out, or PKCS#8), inline or a file path. */
  privateKey: string;
  installationId: number;
  configDir: string;
  target: string;
  headers: Record<string, string>;
  retry?: RestClientOptions['retry'];
  classify?: RestClientOptions['classify'];
}

/** The App's JWT: issued a minute in the past (clock drift, as GitHub advises), valid nine minutes. */
export async function appJwt(key: KeyObject, appId: number, now: number): Promise<string> {
  const { SignJWT } = await import('jose');
  const seconds = Math.floor(now / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).setIssuer(String(appId)).setIssuedAt(seconds - 60).setExpirationTime(seconds + 540).sign(key);
}

export async function loadAppKey(privateKey: string, configDir: string): Promise<KeyObject> {
  const pem = privateKey.includes('-----BEGIN') ? privateKey : await readFile(isAbsolute(privateKey) ? privateKey : resolve(configDir, privateKey), 'utf8');
  return createPrivateKey(pem);
}

/** Fetches an installation token (for TokenCache). */
export function installationTokenFetcher(credentials: AppCredentials, now: () => number): () => Promise<AccessToken> {
  let key: Promise<KeyObject> | undefined;
  return async () => {
    key ??= loadAppKey(credentials.privateKey, credentials.configDir);
    const jwt = await appJwt(await key, credentials.appId, now());
    const client: RestClientOptions = {
      baseUrl: credentials.apiUrl,
      token: () => Promise.resolve(jwt),
      target: credentials.target,
      headers: credentials.headers,
      ...(credentials.retry ? { retry: credentials.retry } : {}),
      ...(credentials.classify ? { classify: credentials.classify } : {}),
    };
    const answer = await callRest<{ token: string; expires_at: string }>(client, { method: 'POST', path: `/app/installations/${credentials.installationId}/access_tokens` });
    return { token: answer.body.token, expiresAt: Date.parse(answer.body.expires_at) };
  };
}
