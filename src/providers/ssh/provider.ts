// The `ssh` access provider: Lease as an SSH certificate authority. A grant only records the
// lease (no target call: hosts trust the CA, not Lease); `sshCertificate` signs the requester's
// public key for the lease's principals until its expiry; an early revoke puts the lease's key
// id and serials in the Key Revocation List that hosts load (`RevokedKeys`). Expiry needs no
// revocation at all: the certificate's validity ends it, even with Lease down.
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import sshpk from 'sshpk';
import { LeaseError, identityKey } from '../../core/index.js';
import { durationMs } from '../../config/schema/duration.js';
import type { AccessProvider, ActiveGrant, ActiveLease, GrantInput, GrantRecord, GrantRole, ProviderFactory, ProviderInstance, SshCertificate } from '../provider.js';
import { loadCaKey, openCaKey, type CertificateAuthorityKey } from './ca-key.js';
import { USER_KEY_TYPES, newSerial, signUserCertificate } from './certificate.js';
import { PRINCIPAL_PATTERN, sshConfigSchema, type SshConfig } from './config.js';
import { SshRequestRefused, SshStateIoFailed } from './errors.js';
import { encodeKrl } from './krl.js';
import { CaStateFile, type CaState } from './state.js';

/** valid_after is set this far in the past, so a host whose clock runs a little behind accepts a fresh certificate. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** A lease the state still holds this long after its expiry was never revoked by Lease: forgotten. */
const FORGET_AFTER_MS = 24 * 3600_000;
const MIN_RSA_BITS = 2048;
/** An OpenSSH public key line is a few hundred bytes; RSA 16384 is about 2.8 KB. */
const MAX_PUBLIC_KEY_CHARS = 16 * 1024;

/** What a grant record holds (GrantRecord.data). */
export interface SshGrantData {
  key_id: string;
  principals: string[];
  expires_at: string;
}

export interface SshProviderOptions {
  /** Milliseconds since the epoch (tests move time). */
  now?: () => number;
  /** The CA key, opened already (openCaKey: a sealed file); default: loadCaKey reads `ca_key`. */
  ca?: CertificateAuthorityKey;
}

export class SshAccessProvider implements AccessProvider {
  readonly type = 'ssh';
  readonly ca: CertificateAuthorityKey;
  readonly krlPath: string;
  readonly statePath: string;
  private readonly state: CaStateFile;
  private readonly now: () => number;
  private readonly maxValidityMs: number | undefined;
  /** Writes the KRL from the persisted state at start (a crash may have come between the two). */
  readonly ready: Promise<void>;

  /** Relative paths: `ca_key` from the config file's directory, `krl_file` and the state under the data directory. */
  constructor(
    readonly id: string,
    private readonly config: SshConfig,
    dirs: { dataDir: string; configDir: string },
    options: SshProviderOptions = {},
  ) {
    this.ca = options.ca ?? loadCaKey(id, config, dirs.configDir);
    this.now = options.now ?? Date.now;
    this.maxValidityMs = config.max_validity === undefined ? undefined : durationMs(config.max_validity);
    this.krlPath = resolve(dirs.dataDir, config.krl_file ?? `ssh/${id}.krl`);
    this.statePath = resolve(dirs.dataDir, 'ssh', `${id}.json`);
    this.state = new CaStateFile(this.statePath);
    this.ready = this.mutate(() => undefined, { rewriteKrl: true });
    this.ready.catch(() => undefined); // reported by whichever call awaits it
  }

  /** Records the lease (principals, expiry, key id); no host is called. Idempotent per request id. */
  async grant(input: GrantInput): Promise<GrantRecord> {
    await this.ready;
    const principals = principalsOf(input.role);
    const keyId = keyIdFor(input.requestId, input.identity);
    await this.mutate((state) => {
      if (state.revoked[input.requestId]) {
        throw new SshRequestRefused('ssh_lease_revoked', `request ${input.requestId} was revoked on ssh provider "${this.id}": its key id stays in the KRL until it expires`, { status: 409 });
      }
      const known = state.leases[input.requestId];
      state.leases[input.requestId] = { key_id: keyId, principals, expires_at: input.expiresAt, certificates: known?.certificates ?? [] };
    });
    const data: SshGrantData = { key_id: keyId, principals, expires_at: input.expiresAt };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  /**
   * Ends the lease early: its key id and the serials of its certificates go into the KRL, which
   * is rewritten before this returns, until the last of them would have expired anyway. A lease
   * already past its expiry, or unknown, needs nothing: revoking what is gone succeeds.
   */
  async revoke(record: GrantRecord): Promise<void> {
    await this.ready;
    const recorded = record.data as Partial<SshGrantData>;
    await this.mutate((state) => {
      const lease = state.leases[record.requestId];
      delete state.leases[record.requestId];
      const keyId = lease?.key_id ?? (typeof recorded.key_id === 'string' ? recorded.key_id : undefined);
      if (keyId === undefined) return; // never granted here (a grant refused before it was recorded)
      const ends = [lease?.expires_at, typeof recorded.expires_at === 'string' ? recorded.expires_at : undefined, ...(lease?.certificates ?? []).map((c) => c.valid_before)]
        .map((t) => (t === undefined ? NaN : Date.parse(t)))
        .filter((t) => Number.isFinite(t));
      // Unknown end (a record without expiry): keep the entry as long as a certificate could live.
      const until = ends.length > 0 ? Math.max(...ends) : this.now() + (this.maxValidityMs ?? FORGET_AFTER_MS);
      if (until <= this.now()) return; // expired: validity already ends every certificate
      const earlier = state.revoked[record.requestId];
      const serials = [...new Set([...(earlier?.serials ?? []), ...(lease?.certificates ?? []).map((c) => c.serial)])];
      // The serials name every certificate signed here (each is persisted before it is handed out).
      // Without the lease's entry they are unknown: revoke by key id, which names the user.
      const byKeyId = lease === undefined || earlier?.key_id !== undefined;
      state.revoked[record.requestId] = { ...(byKeyId ? { key_id: keyId } : {}), serials, until: new Date(Math.max(until, earlier ? Date.parse(earlier.until) : 0)).toISOString() };
    });
  }

  /** The leases the CA holds whose certificates may still be valid: granted, not revoked, not expired. */
  async listActive(): Promise<ActiveGrant[]> {
    await this.ready;
    const state = await this.mutate((s) => s); // prunes on the way
    const now = this.now();
    return Object.entries(state.leases)
      .filter(([, lease]) => Date.parse(lease.expires_at) > now)
      .map(([requestId, lease]) => ({
        provider: this.id,
        requestId,
        data: { key_id: lease.key_id, principals: lease.principals, expires_at: lease.expires_at, certificates: lease.certificates.length },
      }));
  }

  /**
   * Signs the requester's public key for an active lease: principals from the role, valid from a
   * little in the past to the lease's expiry (or `max_validity` from now, when sooner). The serial
   * is persisted before the certificate is handed out, so a later revoke can list it.
   */
  async sshCertificate(_record: GrantRecord, lease: ActiveLease, publicKey: string): Promise<SshCertificate> {
    await this.ready;
    const subjectKey = parseUserPublicKey(publicKey);
    const principals = principalsOf(lease.role);
    const now = this.now();
    const expires = Date.parse(lease.expiresAt);
    const validBefore = Math.min(expires, this.maxValidityMs === undefined ? expires : now + this.maxValidityMs);
    if (!(validBefore > now)) throw new SshRequestRefused('ssh_lease_expired', `the lease of ${lease.requestId} has expired`, { status: 409 });
    // OpenSSH certificates count whole seconds: round the end down so it never passes the lease.
    const validBeforeDate = new Date(Math.floor(validBefore / 1000) * 1000);
    const validAfterDate = new Date(Math.floor((now - CLOCK_SKEW_MS) / 1000) * 1000);
    const keyId = keyIdFor(lease.requestId, lease.identity);
    const serial = newSerial();
    await this.mutate((state) => {
      if (state.revoked[lease.requestId]) throw new SshRequestRefused('ssh_lease_revoked', `request ${lease.requestId} was revoked on ssh provider "${this.id}"`, { status: 409 });
      // A lease granted before the state file was lost is known again from the server's record.
      const entry = (state.leases[lease.requestId] ??= { key_id: keyId, principals, expires_at: lease.expiresAt, certificates: [] });
      entry.certificates.push({ serial: serial.toString(), valid_before: validBeforeDate.toISOString() });
    });
    const certificate = signUserCertificate(this.ca.privateKey, {
      subjectKey,
      keyId,
      serial,
      principals,
      validAfter: validAfterDate,
      validBefore: validBeforeDate,
      extensions: this.config.extensions,
      ...(this.config.critical_options ? { criticalOptions: criticalOptions(this.config.critical_options) } : {}),
    });
    return { certificate, keyId, serial: serial.toString(), principals, validAfter: validAfterDate.toISOString(), validBefore: validBeforeDate.toISOString(), caFingerprint: this.ca.fingerprint };
  }

  /** The line hosts put in their TrustedUserCAKeys file. */
  sshCaPublicKey(): string {
    return this.ca.publicKeyLine;
  }

  /** The KRL file's bytes, exactly as hosts loading it from disk see them. */
  async sshKrl(): Promise<Buffer> {
    await this.ready;
    return this.state.update(() => false, () => readFile(this.krlPath));
  }

  /**
   * Changes the state under the file's lock: prunes what has expired, applies `change`, writes
   * the state, and rewrites the KRL when the revoked set changed (or `rewriteKrl`).
   */
  private async mutate<T>(change: (state: CaState) => T, options: { rewriteKrl?: boolean } = {}): Promise<T> {
    let result: T;
    let krlChanged = false;
    try {
      return await this.state.update(
        (state) => {
          const before = JSON.stringify(state);
          const revokedBefore = JSON.stringify(state.revoked);
          prune(state, this.now());
          result = change(state);
          krlChanged = options.rewriteKrl === true || JSON.stringify(state.revoked) !== revokedBefore;
          if (krlChanged) state.krl_version += 1;
          return JSON.stringify(state) !== before;
        },
        async (state) => {
          if (krlChanged) await this.writeKrl(state);
          return result;
        },
      );
    } catch (err) {
      if (err instanceof LeaseError) throw err;
      throw new SshStateIoFailed(`ssh provider "${this.id}": cannot update ${this.statePath} or ${this.krlPath}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  /** Writes the KRL atomically (temp file, fsync, rename), world-readable: it holds no secret. */
  private async writeKrl(state: CaState): Promise<void> {
    const entries = Object.values(state.revoked);
    const bytes = encodeKrl({
      version: BigInt(state.krl_version),
      generatedAt: Math.floor(this.now() / 1000),
      comment: `lease ssh provider ${this.id}`,
      caKey: this.ca.publicKeyBlob,
      serials: entries.flatMap((e) => e.serials.map((s) => BigInt(s))),
      keyIds: entries.flatMap((e) => (e.key_id === undefined ? [] : [e.key_id])),
    });
    await mkdir(dirname(this.krlPath), { recursive: true });
    const temp = `${this.krlPath}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.chmod(0o644);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.krlPath);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }
}

/** `lease:<request id>:<identity provider>:<subject>`: in sshd's log line for each login, and what the KRL revokes. */
export function keyIdFor(requestId: string, identity: GrantInput['identity']): string {
  return `lease:${requestId}:${identityKey(identity)}`;
}

/** The role's `permissions.allow`: the login names the certificate carries. */
export function principalsOf(role: GrantRole): string[] {
  const principals = [...new Set(role.permissions.allow)].filter((p) => !role.permissions.deny.includes(p));
  if (principals.length === 0) {
    throw new SshRequestRefused('ssh_no_principals', `role "${role.id}" allows no principal: list the login names in permissions.allow`, { field: 'role' });
  }
  for (const principal of principals) {
    if (!PRINCIPAL_PATTERN.test(principal)) {
      throw new SshRequestRefused('ssh_invalid_principal', `role "${role.id}": ${JSON.stringify(principal)} is not a login name (letters, digits, . _ @ -; no wildcards)`, { field: 'role' });
    }
  }
  return principals;
}

/** The user's public key: one OpenSSH public key line, ed25519, ECDSA or RSA ≥ 2048 bits; never a certificate or a private key. */
export function parseUserPublicKey(text: string): sshpk.Key {
  const line = text.trim();
  if (line.length === 0 || line.length > MAX_PUBLIC_KEY_CHARS || line.includes('\n')) {
    throw new SshRequestRefused('ssh_invalid_public_key', 'expected one OpenSSH public key line (the content of ~/.ssh/id_ed25519.pub)', { field: 'public_key' });
  }
  if (/PRIVATE KEY/.test(line)) throw new SshRequestRefused('ssh_invalid_public_key', 'that is a private key: send the public key (the .pub file)', { field: 'public_key' });
  if (/-cert-v01@openssh\.com/.test(line.split(/\s/)[0] ?? '')) {
    throw new SshRequestRefused('ssh_invalid_public_key', 'that is a certificate: send the public key it was made for', { field: 'public_key' });
  }
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(line, 'ssh');
  } catch {
    throw new SshRequestRefused('ssh_invalid_public_key', 'not an OpenSSH public key line (expected e.g. "ssh-ed25519 AAAA... you@host")', { field: 'public_key' });
  }
  if (!(USER_KEY_TYPES as readonly string[]).includes(key.type)) {
    throw new SshRequestRefused('ssh_unsupported_key_type', `${key.type.toUpperCase()} keys are not signed: use ed25519, ECDSA or RSA (≥ ${MIN_RSA_BITS} bits)`, { field: 'public_key' });
  }
  if (key.type === 'rsa' && key.size < MIN_RSA_BITS) {
    throw new SshRequestRefused('ssh_unsupported_key_type', `a ${key.size}-bit RSA key is too weak: use ed25519, or RSA of at least ${MIN_RSA_BITS} bits`, { field: 'public_key' });
  }
  return key;
}

/** Drops KRL entries whose certificates have all expired, and leases forgotten long past their expiry. */
function prune(state: CaState, now: number): void {
  for (const [id, entry] of Object.entries(state.revoked)) if (Date.parse(entry.until) <= now) delete state.revoked[id];
  for (const [id, lease] of Object.entries(state.leases)) {
    const last = Math.max(Date.parse(lease.expires_at), ...lease.certificates.map((c) => Date.parse(c.valid_before)));
    if (last + FORGET_AFTER_MS <= now) delete state.leases[id];
  }
}

function criticalOptions(options: NonNullable<SshConfig['critical_options']>) {
  return {
    ...(options['force-command'] !== undefined ? { 'force-command': options['force-command'] } : {}),
    ...(options['source-address'] !== undefined ? { 'source-address': options['source-address'].join(',') } : {}),
    ...(options['verify-required'] ? { 'verify-required': true } : {}),
  };
}

export const sshProviderFactory: ProviderFactory<SshConfig> = {
  type: 'ssh',
  capabilities: ['access'],
  configSchema: sshConfigSchema,
  create(args): ProviderInstance {
    return createSshProvider(args, loadCaKey(args.id, args.config, args.deps.configDir));
  },
  /** What the registry calls: a sealed ca_key is opened with the server's services.encryption (deps.sealedFiles). */
  async open(args): Promise<ProviderInstance> {
    return createSshProvider(args, await openCaKey(args.id, args.config, args.deps.configDir, args.deps.sealedFiles));
  },
};

function createSshProvider({ id, name, enabled, config, deps }: Parameters<ProviderFactory<SshConfig>['create']>[0], ca: CertificateAuthorityKey): ProviderInstance {
  const access = new SshAccessProvider(id, config, deps, { ca });
  deps.logger?.info({ provider: id, ca: access.ca.fingerprint, krl: access.krlPath }, 'ssh certificate authority loaded');
  // Hosts need the KRL file from the start (sshd refuses every key when RevokedKeys is unreadable): say so when it cannot be written.
  access.ready.catch((err: unknown) => deps.logger?.error({ provider: id, err: err instanceof Error ? err.message : String(err) }, 'ssh provider cannot write its state or KRL'));
  return { id, type: 'ssh', name, enabled, capabilities: ['access'], access };
}
