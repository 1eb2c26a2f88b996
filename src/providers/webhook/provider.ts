// The `webhook` notification provider: POSTs each notification as JSON, optionally signed with
// HMAC-SHA256 so the receiver can check it came from Lease.
import { createHmac } from 'node:crypto';
import { LeaseError } from '../../core/index.js';
import type { Notification, NotificationProvider, ProviderFactory, ProviderInstance } from '../provider.js';
import { webhookConfigSchema, type WebhookConfig } from './config.js';

export const SIGNATURE_HEADER = 'x-lease-signature';

/** The receiver did not accept the notification (non-2xx, unreachable or too slow). */
export class WebhookDeliveryFailed extends LeaseError {
  constructor(providerId: string, detail: string) {
    super('webhook_delivery_failed', `webhook ${providerId}: ${detail}`, { status: 502 });
  }
}

export class WebhookNotifier implements NotificationProvider {
  constructor(private readonly id: string, private readonly config: WebhookConfig) {}

  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify({ type: 'com.lease.notification', provider: this.id, ...notification });
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.config.headers };
    if (this.config.secret) headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', this.config.secret).update(body).digest('hex')}`;
    let response: Response;
    try {
      response = await fetch(this.config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.config.timeout_ms) });
    } catch (err) {
      throw new WebhookDeliveryFailed(this.id, err instanceof Error ? err.message : String(err));
    }
    await response.body?.cancel();
    if (!response.ok) throw new WebhookDeliveryFailed(this.id, `answered ${response.status}`);
  }
}

export const webhookProviderFactory: ProviderFactory<WebhookConfig> = {
  type: 'webhook',
  capabilities: ['notification'],
  configSchema: webhookConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'webhook', name, enabled, capabilities: ['notification'], notification: new WebhookNotifier(id, config) };
  },
};
