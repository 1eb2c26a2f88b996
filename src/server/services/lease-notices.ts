// Direct messages to a requester about their lease: when it is granted, when it is extended,
// shortly before it expires (each slack provider's `expiry_warning`, 5 minutes by default) and
// when it ends. While it runs, a message carries Extend buttons for the durations the role still
// leaves room for (slack-approvals.ts answers their clicks); each message is recorded so that a
// click is accepted only on a message Lease sent to that requester about that lease.
// Durable: the notices are rows written in the same transaction as the lease's change
// (lease.authorize, lease.revoke: `leaseEvents`), and this sender delivers the due ones, so a
// crash between the change and the message delays the message, never loses it. The timer that
// wakes the sender is derived from the rows again after every restart. A warning is re-armed
// when the lease was extended meanwhile, and dropped once it has ended.
import { alwaysMine, type DutyCheck } from '../duty.js';
import { identityKey, parseDuration, toIso, type Clock, type Logger } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { LeaseNotice, SlackNotifier } from '../../providers/slack/index.js';
import type { LeaseNoticeRow, RequestRecord, Store } from '../../store/index.js';
import type { LeaseEventListener } from '../../workflow/calls/index.js';
import { checkExtensionLength } from './access-directory.js';

/** A notice that keeps failing is given up on after this many attempts (logged). */
const MAX_ATTEMPTS = 8;
const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** How often the store is checked for due notices written by another process (a `lease worker`). */
const POLL_MS = 1_000;

/** The slack providers that send direct messages to requesters. */
function directMessengers(providers: Map<string, ProviderInstance>): SlackNotifier[] {
  return [...providers.values()]
    .filter((p) => p.enabled && p.type === 'slack' && p.notification)
    .map((p) => p.notification as SlackNotifier)
    .filter((n) => n.config.direct_messages);
}

/** Whether a requester can be told: by a verified address only, so nobody else reads about their lease. */
function addressOf(request: RequestRecord): string | undefined {
  return request.identity.email_verified === true && request.identity.email ? request.identity.email : undefined;
}

/**
 * Schedules the notices of a lease change, inside its transaction; undefined when no provider
 * sends direct messages (nothing is written then).
 */
export function leaseNoticeListener(providers: Map<string, ProviderInstance>, clock: Clock): LeaseEventListener | undefined {
  const senders = directMessengers(providers);
  if (senders.length === 0) return undefined;
  return async (tx, event) => {
    if (!addressOf(event.request)) return;
    const now = clock.now();
    for (const sender of senders) {
      const row = { request_id: event.request.id, provider: sender.providerId };
      if (event.kind === 'ended') {
        await tx.leaseNotices.schedule({ ...row, kind: 'ended', due_at: now });
        continue;
      }
      await tx.leaseNotices.schedule({ ...row, kind: event.kind, due_at: now });
      const expiresAt = event.expiresAt ? Date.parse(event.expiresAt) : NaN;
      // A lease shorter than the warning's lead gets no warning: "granted" already says until when.
      // After an extension, a warning still waiting is moved when it comes due; one already sent is owed again.
      if (Number.isFinite(expiresAt) && expiresAt - sender.config.expiry_warning > now) {
        await tx.leaseNotices.schedule({ ...row, kind: 'expiring', due_at: expiresAt - sender.config.expiry_warning });
      }
    }
  };
}

/**
 * The Extend buttons a requester is offered now: the provider's durations the role's max_duration
 * still leaves room for, none for an extension itself or a role that no longer exists.
 */
export function extendOffersOf(config: LoadedConfig, clock: Clock): (request: RequestRecord, offered: readonly string[]) => string[] {
  return (request, offered) => {
    const role = config.roles.get(request.role);
    if (!role || request.extended_from !== null || !request.expires_at) return [];
    const expiry = Math.max(Date.parse(request.expires_at), clock.now());
    return offered.filter((duration) => {
      try {
        checkExtensionLength(request, role, parseDuration(duration, 'extend_options'), expiry);
        return true;
      } catch {
        return false;
      }
    });
  };
}

export interface LeaseNoticeSenderDeps {
  store: Store;
  providers: Map<string, ProviderInstance>;
  clock: Clock;
  logger: Logger;
  /** Of the durations a provider offers as Extend buttons, those the lease's role leaves room for now. */
  extendOffers?: (request: RequestRecord, offered: readonly string[]) => string[];
  /** Whether this replica sends the notices now (one replica at a time does). */
  isMine?: DutyCheck;
}

export class LeaseNoticeSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: LeaseNoticeSenderDeps) {}

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Sends what is due, then sleeps until the next notice is due (at most POLL_MS). */
  private async tick(): Promise<void> {
    const { store, clock, logger } = this.deps;
    if (!(await (this.deps.isMine ?? alwaysMine)())) {
      this.arm(POLL_MS);
      return;
    }
    try {
      for (;;) {
        const due = await store.leaseNotices.listDue(clock.now(), 50);
        for (const row of due) {
          if (this.stopped) return;
          await this.deliver(row);
        }
        if (due.length < 50) break;
      }
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'lease notices: cannot read the due notices');
    }
    const next = await store.leaseNotices.nextDueAt().catch(() => null);
    this.arm(next === null ? POLL_MS : Math.max(0, Math.min(POLL_MS, next - clock.now())));
  }

  private async deliver(row: LeaseNoticeRow): Promise<void> {
    const { store, providers, clock, logger } = this.deps;
    const request = await store.requests.get(row.request_id);
    const instance = providers.get(row.provider);
    const sender = instance?.enabled && instance.type === 'slack' ? (instance.notification as SlackNotifier | undefined) : undefined;
    const email = request ? addressOf(request) : undefined;
    if (!request || !sender || !email) {
      await store.leaseNotices.remove(row);
      return;
    }
    if (row.kind === 'expiring' || row.kind === 'extended') {
      if (request.status !== 'active' || !request.expires_at) {
        await store.leaseNotices.remove(row); // ended (or ending): the "ended" notice says so
        return;
      }
      const warnAt = Date.parse(request.expires_at) - sender.config.expiry_warning;
      if (row.kind === 'expiring' && warnAt > clock.now() + 1_000) {
        await store.leaseNotices.reschedule(row, warnAt, row.attempts); // extended since
        return;
      }
    }
    const notice: LeaseNotice = {
      kind: row.kind,
      requestId: request.id,
      role: request.role,
      provider: request.provider,
      expiresAt: request.expires_at,
      outcome: row.kind === 'ended' ? (request.outcome?.message ?? request.status) : null,
      ...(row.kind === 'ended' ? {} : { extendBy: this.deps.extendOffers?.(request, sender.config.extend_options) ?? [] }),
    };
    try {
      const receipt = await sender.directMessage(email, notice);
      const delivered = receipt !== undefined;
      if (receipt) await store.notificationMessages.record({ request_id: request.id, provider: row.provider, channel: receipt.channel, message_id: receipt.message_id, purpose: 'lease_notice' });
      await store.leaseNotices.remove(row);
      await store.audit.append({ actor: 'lease', action: 'notify', subject: request.id, data: { provider: row.provider, to: 'requester', kind: row.kind, delivered } });
      if (!delivered) logger.info({ request: request.id, provider: row.provider, user: identityKey(request.identity) }, 'lease notice: no Slack user has the requester\'s address');
    } catch (err) {
      const attempts = row.attempts + 1;
      const message = err instanceof Error ? err.message : String(err);
      if (attempts >= MAX_ATTEMPTS) {
        await store.leaseNotices.remove(row);
        logger.error({ request: request.id, provider: row.provider, kind: row.kind, attempts, err: message }, 'lease notice given up');
        return;
      }
      const retryAt = clock.now() + Math.min(MAX_RETRY_DELAY_MS, 1_000 * 2 ** attempts);
      await store.leaseNotices.reschedule(row, retryAt, attempts);
      logger.warn({ request: request.id, provider: row.provider, kind: row.kind, attempts, retry_at: toIso(retryAt), err: message }, 'lease notice failed; retrying');
    }
  }
}
