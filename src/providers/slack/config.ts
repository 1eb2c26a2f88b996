// `providers.<id>.config` for type `slack`. Thand's keys load unchanged (`bot_token`, and the
// OAuth fields it accepts: `client_id`, `client_secret`, `signing_secret`, `verification_token`);
// the rest are Lease's. Unknown keys are errors.
import { z } from 'zod';
import { parseDuration } from '../../core/index.js';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A Lease duration (`5m`, `PT5M`), as milliseconds. */
const durationMs = z.string().transform((value, ctx) => {
  try {
    return parseDuration(value, 'expiry_warning');
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 5m or PT5M' });
    return z.NEVER;
  }
});

/** A duration as people write it (`30m`, `1h`, `PT30M`): it labels the button and is what the click asks for. */
const extendOption = z.string().refine((value) => {
  try {
    return parseDuration(value, 'extend_options') > 0;
  } catch {
    return false;
  }
}, 'expected a duration such as 30m, 1h or PT30M');

export const slackConfigSchema = z.strictObject({
  /** The bot's token (`xoxb-...`), scopes chat:write, users:read, users:read.email, im:write. */
  bot_token: z.string().min(1, 'the bot token (xoxb-...) is required'),
  /**
   * Verifies Slack's interaction callbacks (Approve / Deny clicks). Without it, approval
   * messages are still posted but every click is refused.
   */
  signing_secret: z.string().min(1).optional(),
  /** The Web API base; another Slack-compatible API (an emulator, a proxy). https, except on loopback. */
  api_url: z
    .url()
    .refine((u) => {
      const url = new URL(u);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    }, 'expected an https URL (http only on loopback)')
    .default('https://slack.com/api'),
  /** Where `lease.notify` posts when the workflow names no `to` (a channel id, C...). */
  channel: z.string().min(1).optional(),
  /** Only clicks from this workspace (team id, T...) are accepted. */
  team_id: z.string().min(1).optional(),
  /** Direct messages to the requester when access is granted, shortly before it expires and when it ends. */
  direct_messages: z.boolean().default(true),
  /** How long before the expiry the requester is warned. */
  expiry_warning: durationMs.default(5 * 60_000),
  /**
   * The Extend buttons on those direct messages: one per duration (at most 5), each asking for
   * that much more time as the requester, through the role's rules (max_duration, approvals
   * unless extend_without_approval). Durations the role's max_duration leaves no room for are
   * not offered. `[]`: no buttons.
   */
  extend_options: z
    .array(extendOption)
    .max(5, 'at most 5 Extend buttons')
    .refine((options) => new Set(options).size === options.length, 'each duration once (Slack refuses two buttons with one action id)')
    .default(['30m', '1h']),
  /** Give up on one Web API call after this many milliseconds (notifications are retried by the runtime). */
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  /** Thand's OAuth fields: accepted so its files load; Lease uses the bot token only. */
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  /** Slack's deprecated verification token: accepted, never trusted (the signing secret is). */
  verification_token: z.string().optional(),
});

export type SlackConfig = z.infer<typeof slackConfigSchema>;
