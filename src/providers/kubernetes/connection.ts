// Where the API server is and how Lease proves who it is, from the provider's config: a
// kubeconfig (file or inline YAML, a context of it), `server` with a token or client
// certificate, or — nothing set — the pod's service account (in-cluster), else $KUBECONFIG or
// ~/.kube/config. Credentials are read into memory only: never logged, never part of an error.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { TargetRefused } from '../cloud/index.js';
import type { KubernetesConfig } from './config.js';

/** The in-cluster service account, as every pod gets it. */
export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A token file (projected, rotating) is read again after this long. */
const TOKEN_FILE_TTL_MS = 60_000;

export interface Connection {
  /** The API server's base URL. */
  server: string;
  /** PEM: the CA to trust, the client certificate and key (mutual TLS). */
  ca?: string;
  cert?: string;
  key?: string;
  /** A bearer token, if Lease authenticates with one. */
  token(): Promise<string | undefined>;
  /** Where the settings came from, for messages (a path or `kubeconfig context "x"`; never a secret). */
  source: string;
}

interface KubeconfigDocument {
  'current-context'?: string;
  clusters?: Array<{ name?: string; cluster?: Record<string, unknown> }>;
  users?: Array<{ name?: string; user?: Record<string, unknown> }>;
  contexts?: Array<{ name?: string; context?: { cluster?: string; user?: string } }>;
}

/** Resolves the config into a connection; a config Lease cannot use is a TargetRefused naming what is wrong. */
export async function resolveConnection(config: KubernetesConfig, configDir: string, target: string, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  if (config.kubeconfig !== undefined) {
    const inline = /\n/.test(config.kubeconfig.trim()) || /^\s*(apiVersion|kind|clusters)\s*:/.test(config.kubeconfig);
    if (inline) return fromKubeconfig(config.kubeconfig, configDir, 'the inline kubeconfig', config.context, target);
    const path = absolute(config.kubeconfig, configDir);
    return fromKubeconfig(await readText(path, 'kubeconfig', target), dirname(path), path, config.context, target);
  }
  if (config.server !== undefined) {
    return {
      server: config.server,
      ...(config.ca !== undefined ? { ca: await pem(config.ca, configDir, 'ca', target) } : {}),
      ...(config.client_certificate !== undefined ? { cert: await pem(config.client_certificate, configDir, 'client_certificate', target) } : {}),
      ...(config.client_key !== undefined ? { key: await pem(config.client_key, configDir, 'client_key', target) } : {}),
      token: tokenSource(config.token, config.token_file === undefined ? undefined : absolute(config.token_file, configDir), target),
      source: config.server,
    };
  }
  // Nothing configured: in-cluster first (as Thand), then the default kubeconfig.
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    const host = env.KUBERNETES_SERVICE_HOST.includes(':') ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
    return {
      server: `https://${host}:${env.KUBERNETES_SERVICE_PORT}`,
      ca: await readText(join(IN_CLUSTER_DIR, 'ca.crt'), 'in-cluster CA', target),
      token: tokenSource(undefined, join(IN_CLUSTER_DIR, 'token'), target),
      source: 'the in-cluster service account',
    };
  }
  const path = (env.KUBECONFIG ?? '').split(':').find((p) => p !== '') ?? join(homedir(), '.kube', 'config');
  return fromKubeconfig(await readText(path, 'kubeconfig', target), dirname(path), path, config.context, target);
}

/** The named (or current) context's cluster and user. Relative paths in it are relative to the kubeconfig's directory. */
export async function fromKubeconfig(text: string, baseDir: string, where: string, contextName: string | undefined, target: string): Promise<Connection> {
  const refuse = (message: string) => new TargetRefused('target_refused', `${target}: ${where}: ${message}`);
  let doc: KubeconfigDocument;
  try {
    doc = (parse(text) ?? {}) as KubeconfigDocument;
  } catch (err) {
    throw refuse(`not YAML (${err instanceof Error ? err.message.split('\n')[0] : 'unreadable'})`);
  }
  if (typeof doc !== 'object' || doc === null) throw refuse('not a kubeconfig (expected a map with clusters, users and contexts)');
  const name = contextName ?? doc['current-context'];
  if (!name) throw refuse('names no current-context; set `context`');
  const context = doc.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw refuse(`has no context "${name}"`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw refuse(`context "${name}" names cluster "${context.cluster ?? ''}", which it does not define`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  const str = (record: Record<string, unknown>, key: string) => (typeof record[key] === 'string' && record[key] !== '' ? (record[key] as string) : undefined);
  const server = str(cluster, 'server');
  if (!server || !URL.canParse(server)) throw refuse(`cluster "${context.cluster ?? ''}" has no server URL`);
  if (cluster['insecure-skip-tls-verify'] === true) throw refuse(`cluster "${context.cluster ?? ''}" sets insecure-skip-tls-verify; Lease always verifies the API server's certificate: give certificate-authority(-data)`);
  for (const unsupported of ['exec', 'auth-provider']) {
    if (user[unsupported] !== undefined) throw refuse(`user "${context.user ?? ''}" authenticates with ${unsupported}, which Lease does not run; give it a token, tokenFile or client certificate (a service account for Lease)`);
  }
  if (str(user, 'username') !== undefined || str(user, 'password') !== undefined) throw refuse(`user "${context.user ?? ''}" uses basic authentication, which Kubernetes no longer supports; give it a token or client certificate`);
  const fileOrData = async (fileKey: string, dataKey: string, what: string, from: Record<string, unknown>) => {
    const data = str(from, dataKey);
    if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    const file = str(from, fileKey);
    return file === undefined ? undefined : readText(absolute(file, baseDir), what, target);
  };
  const ca = await fileOrData('certificate-authority', 'certificate-authority-data', 'certificate-authority', cluster);
  const cert = await fileOrData('client-certificate', 'client-certificate-data', 'client-certificate', user);
  const key = await fileOrData('client-key', 'client-key-data', 'client-key', user);
  if ((cert === undefined) !== (key === undefined)) throw refuse(`user "${context.user ?? ''}" needs both client-certificate and client-key`);
  const tokenFile = str(user, 'tokenFile');
  const token = str(user, 'token');
  if (token === undefined && tokenFile === undefined && cert === undefined) throw refuse(`user "${context.user ?? ''}" has no token, tokenFile or client certificate`);
  return {
    server: server.replace(/\/+$/, ''),
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    token: tokenSource(token, tokenFile === undefined ? undefined : absolute(tokenFile, baseDir), target),
    source: `${where} context "${name}"`,
  };
}

/** A fixed token, or one read from a file (again after TOKEN_FILE_TTL_MS: projected tokens rotate). */
function tokenSource(token: string | undefined, file: string | undefined, target: string): () => Promise<string | undefined> {
  if (file === undefined) return () => Promise.resolve(token);
  let cached: { value: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.value;
    const value = (await readText(file, 'token file', target)).trim();
    cached = { value, until: Date.now() + TOKEN_FILE_TTL_MS };
    return value;
  };
}

async function pem(value: string, configDir: string, key: string, target: string): Promise<string> {
  return value.includes('-----BEGIN ') ? value : readText(absolute(value, configDir), key, target);
}

function absolute(path: string, base: string): string {
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

async function readText(path: string, what: string, target: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TargetRefused('target_refused', `${target}: cannot read the ${what} ${path} (${code})`);
  }
}
