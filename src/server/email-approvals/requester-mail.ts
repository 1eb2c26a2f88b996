// Mails requesters when their lease is granted, when it ends, and when their request is denied.
// Durable without timers of its own that matter: it reads the audit log — whose entries are
// written in the same transaction as the status change — from a position kept in the store
// (`email_cursor`), and moves that position only after a mail was accepted by the SMTP server.
// A crash re-reads from the last position (a mail may go twice, never be lost). The position
// starts where the log ended when the store was upgraded (migration 0005): no mails about the past.
import { alwaysMine, type DutyCheck } from '../duty.js';
import { LeaseError, type Clock, type Logger } from '../../core/index.js';
import type { NotificationProvider, ProviderInstance } from '../../providers/index.js';
import type { AuditEntry, Store } from '../../store/index.js';

/** The reader's name in `email_cursor` (migration 0005 creates its row). */
const CURSOR = 'requester-mail';
const PAGE = 200;

/** The audit actions that concern the requester, and what the mail says. */
const EVENTS: Record<string, { status: string; subject: (r: { role: string; provider: string }) => string; text: (e: AuditEntry) => string }> = {
  'lease.granted': {
    status: 'active',
    subject: (r) => `Granted: ${r.role} on ${r.provider}`,
    text: (e) => `Your access is active until ${typeof e.data.expires_at === 'string' ? e.data.expires_at : 'its expiry'}.`,
  },
  'lease.revoked': {
    status: 'revoked',
    subject: (r) => `Ended: ${r.role} on ${r.provider}`,
    text: (e) => `Your access has ended (${typeof e.data.reason === 'string' ? e.data.reason : 'revoked'}).`,
  },
  'request.denied': {
    status: 'denied',
    subject: (r) => `Denied: ${r.role} on ${r.provider}`,
    text: (e) => `Your request was not granted (${typeof e.data.message === 'string' ? e.data.message : 'denied'}).`,
  },
};

export class RequesterMail {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: { store: Store; providers: Map<string, ProviderInstance>; clock: Clock; logger: Logger; intervalMs?: number; /** Whether this replica mails now (one replica at a time does). */ isMine?: DutyCheck }) {}

  /** The e-mail provider that mails requesters (the first enabled one with `requester: true`). */
  private notifier(): NotificationProvider | undefined {
    for (const p of this.deps.providers.values()) if (p.enabled && p.notification?.email?.notifyRequester) return p.notification;
    return undefined;
  }

  /** Starts reading (every `intervalMs`, default 1 s); nothing when no e-mail provider mails requesters. */
  async start(): Promise<void> {
    if (this.notifier() === undefined) return;
    const tick = () => {
      this.timer = undefined;
      this.running = this.drain()
        .catch((err: unknown) => this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'requester mail: will retry'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs ?? 1_000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends what the log holds past the position; stops at the first mail the server did not take. */
  async drain(): Promise<void> {
    const notifier = this.notifier();
    if (!notifier || !(await (this.deps.isMine ?? alwaysMine)())) return;
    for (;;) {
      const after = (await this.deps.store.email.cursor(CURSOR)) ?? 0;
      const entries = await this.deps.store.audit.list({ afterSeq: after, limit: PAGE });
      if (entries.length === 0 || this.stopped) return;
      for (const entry of entries) {
        if (this.stopped) return;
        await this.mail(notifier, entry);
        await this.deps.store.email.setCursor(CURSOR, entry.seq);
      }
    }
  }

  private async mail(notifier: NotificationProvider, entry: AuditEntry): Promise<void> {
    const event = EVENTS[entry.action];
    if (!event || entry.subject === null) return;
    const request = await this.deps.store.requests.get(entry.subject);
    const address = request?.identity.email_verified === true ? request.identity.email : undefined;
    if (!request || !address) return;
    try {
      await notifier.send({
        to: address,
        subject: event.subject(request),
        message: event.text(entry),
        request: { id: request.id, role: request.role, provider: request.provider, requester: address, reason: request.reason, status: event.status },
      });
      this.deps.logger.info({ request: request.id, event: entry.action }, 'requester mailed');
    } catch (err) {
      // A refusal that will not pass on retry (a bad address) is skipped; anything else waits.
      if (err instanceof LeaseError && err.status < 500) {
        this.deps.logger.warn({ request: request.id, code: err.code }, 'requester mail refused; skipped');
        return;
      }
      throw err;
    }
  }
}
