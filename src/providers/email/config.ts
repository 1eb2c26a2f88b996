// `providers.<id>.config` for type `email`. Thand's keys (`host`, `port`, `user`, `pass`) load
// unchanged; `from`, `tls`, `link_ttl`, `requester` and `timeout_ms` are Lease's. Unknown keys are errors.
import { z } from 'zod';
import { parseDuration } from '../../core/index.js';

/** Where plain SMTP (no TLS) is acceptable: the traffic never leaves the host. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const durationSchema = (min: number, max: number, what: string) =>
  z.string().refine((text) => {
    try {
      const ms = parseDuration(text);
      return ms >= min && ms <= max;
    } catch {
      return false;
    }
  }, what);

/** `"Name" <a@b>` or `a@b`: what an SMTP From may be; no line breaks (header injection). */
const fromSchema = z
  .string()
  .min(3)
  .max(320)
  .refine((v) => !/[\r\n]/.test(v) && /^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(v.trim()), 'expected an address (ops@example.com) or "Name <ops@example.com>"');

export const emailConfigSchema = z
  .strictObject({
    /** The SMTP server (Thand: `host`). */
    host: z.string().min(1),
    /** Thand writes it as a number or a string; default 465 with `tls: tls`, 25 with `none`, else 587. */
    port: z
      .union([z.number().int(), z.string().regex(/^\d{1,5}$/, 'expected a port number').transform(Number)])
      .pipe(z.number().int().min(1).max(65535))
      .optional(),
    /** SMTP AUTH credentials (Thand: `user`, `pass`); both or neither. */
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    /** The sender; default `user` when that is an address. */
    from: fromSchema.optional(),
    /**
     * `starttls` (upgrade on connect, required; the default except on port 465), `tls` (TLS from
     * the start, port 465), `none` (plain SMTP: only to a loopback host, e.g. a local relay).
     */
    tls: z.enum(['starttls', 'tls', 'none']).optional(),
    /** How long an approval link stays usable (default 24h; 5m to 7d). */
    link_ttl: durationSchema(5 * 60_000, 7 * 24 * 3_600_000, 'expected a duration between 5m and 7d (e.g. 24h)').default('24h'),
    /** Mail requesters when their lease is granted and when it ends (default true). */
    requester: z.boolean().default(true),
    /** Give up on one SMTP exchange after this many milliseconds (the runtime retries). */
    timeout_ms: z.number().int().min(1_000).max(120_000).default(30_000),
  })
  .superRefine((config, ctx) => {
    if ((config.user === undefined) !== (config.pass === undefined)) {
      ctx.addIssue({ code: 'custom', path: [config.user === undefined ? 'user' : 'pass'], message: 'give both user and pass, or neither' });
    }
    if (config.from === undefined && !(config.user !== undefined && fromSchema.safeParse(config.user).success)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'required: the sender address (user is not an address to default to)' });
    }
    if (config.tls === 'none' && !isLoopback(config.host)) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'none (plain SMTP) is allowed only to a loopback host; use starttls or tls' });
    }
  });

export type EmailConfig = z.infer<typeof emailConfigSchema>;

/** The connection settings the config means, defaults applied. */
export function smtpSettings(config: EmailConfig): { host: string; port: number; tls: 'starttls' | 'tls' | 'none'; from: string } {
  const tls = config.tls ?? (config.port === 465 ? 'tls' : 'starttls');
  const port = config.port ?? (tls === 'tls' ? 465 : tls === 'none' ? 25 : 587);
  return { host: config.host, port, tls, from: config.from ?? config.user ?? '' };
}
