// `providers.<id>.config` for type `ssh`: Lease as an SSH certificate authority. Thand has no
// `ssh` provider keys (Thand's providers file format), so these are Lease's own. Unknown keys are errors.
import { z } from 'zod';
import { durationSchema } from '../../config/schema/duration.js';
import { DEFAULT_EXTENSIONS, STANDARD_EXTENSIONS } from './certificate.js';

/** An inline key starts with its PEM-style armour; anything else is a path. */
export const INLINE_KEY = /^\s*-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** A principal (a login name on the hosts): what OpenSSH matches against the account name. */
export const PRINCIPAL_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]+)(?:\/\d{1,3})?$/;

export const sshConfigSchema = z.strictObject({
  /**
   * The CA's private key: a path to an OpenSSH private key file (relative: to the config file's
   * directory; it must not be readable by group or others), or the key itself inline
   * (`${SSH_CA_KEY}`). ed25519 or ECDSA.
   */
  ca_key: z.string({ error: (i) => (i.input === undefined ? 'the CA private key is required (a path to an OpenSSH private key, or the key inline)' : 'expected a path or an inline OpenSSH private key') }).min(1),
  /** The passphrase of an encrypted CA key, usually `${SSH_CA_PASSPHRASE}`. */
  ca_key_passphrase: z.string().min(1).optional(),
  /** Where the Key Revocation List is written (relative: under the data directory); default `ssh/<provider id>.krl`. */
  krl_file: z.string().min(1).optional(),
  /** Longest validity of one certificate; absent = until the lease's expiry. A certificate never outlives its lease. */
  max_validity: durationSchema.optional(),
  /** Certificate extensions granted (OpenSSH's standard ones); default: all but permit-X11-forwarding. */
  extensions: z.array(z.enum(STANDARD_EXTENSIONS)).default([...DEFAULT_EXTENSIONS]),
  /** Critical options put in every certificate; none by default. */
  critical_options: z
    .strictObject({
      /** The only command the certificate may run. */
      'force-command': z.string().min(1).optional(),
      /** Client addresses the certificate may be used from (CIDR). */
      'source-address': z.array(z.string().regex(CIDR, 'expected an address or CIDR like 10.0.0.0/8')).min(1).optional(),
      /** Require a FIDO key's user verification (PIN) for sk- keys. */
      'verify-required': z.boolean().optional(),
    })
    .optional(),
});

export type SshConfig = z.infer<typeof sshConfigSchema>;
