// The `teams` notification provider: posts an Adaptive Card to a Microsoft Teams incoming
// webhook. Teams throttles (429) and has bad moments (5xx): those are retried here with backoff
// (Retry-After honoured), then the call fails and the workflow runtime retries it.
import { LeaseError } from '../../core/index.js';
import type { Notification, NotificationProvider, ProviderFactory, ProviderInstance } from '../provider.js';
import { teamsMessage } from './card.js';
import { teamsConfigSchema, type TeamsConfig } from './config.js';

/** Teams did not take the message. The message never names the webhook URL (a secret). */
export class TeamsDeliveryFailed extends LeaseError {
  constructor(providerId: string, detail: string) {
    super('teams_delivery_failed', `teams ${providerId}: ${detail}`, { status: 502 });
  }
}

/** Longest wait between two attempts, whatever Retry-After asks. */
const MAX_BACKOFF_MS = 10_000;

export interface TeamsNotifierOptions {
  /** First backoff; doubles per attempt (default 500 ms). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class TeamsNotifier implements NotificationProvider {
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly id: string, private readonly config: TeamsConfig, options: TeamsNotifierOptions = {}) {
    this.backoffMs = options.backoffMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify(teamsMessage({ notification, link: notification.link }));
    let last: string;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(body);
      if (outcome.ok) return;
      last = outcome.detail;
      if (!outcome.retry || attempt >= this.config.max_attempts) break;
      await this.sleep(Math.min(outcome.retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS));
    }
    throw new TeamsDeliveryFailed(this.id, last);
  }

  private async post(body: string): Promise<{ ok: true } | { ok: false; retry: boolean; detail: string; retryAfterMs?: number }> {
    let response: Response;
    try {
      response = await fetch(this.config.webhook_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.timeout_ms),
      });
    } catch (err) {
      // fetch's messages name no URL ("fetch failed", a timeout); the cause's code says why.
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as { code?: string }).code ?? err.cause.name})` : '';
      return { ok: false, retry: true, detail: `not reachable: ${err instanceof Error ? err.name : 'error'}${cause}` };
    }
    const text = (await response.text()).slice(0, 200);
    if (response.ok) {
      // Office 365 connector webhooks answer 200 with a text naming the error when Teams refused
      // the message (e.g. "Webhook message delivery failed with error: ... HTTP error 413").
      if (/delivery failed|error/i.test(text)) return { ok: false, retry: false, detail: `refused the message: ${oneLine(text)}` };
      return { ok: true };
    }
    const retry = response.status === 429 || response.status >= 500;
    const retryAfterMs = retryAfter(response.headers.get('retry-after'));
    return { ok: false, retry, detail: `answered ${response.status}${text ? `: ${oneLine(text)}` : ''}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `Retry-After` in seconds (HTTP-date forms are rare on webhooks and fall back to the backoff). */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

export const teamsProviderFactory: ProviderFactory<TeamsConfig> = {
  type: 'teams',
  capabilities: ['notification'],
  configSchema: teamsConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'teams', name, enabled, capabilities: ['notification'], notification: new TeamsNotifier(id, config) };
  },
};
