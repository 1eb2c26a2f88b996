// The webhook forwarder: each batch is one POST of JSON
// `{"schema":"lease.audit.batch.v1","sent_at":"<ISO>","events":[...]}`, signed with
// HMAC-SHA256 over the raw body (`X-Lease-Signature: sha256=<hex>`). The body carries its time
// (`sent_at`, also in `X-Lease-Timestamp`, unix seconds) so a receiver can refuse old replays.
// Any 2xx acknowledges the batch.
import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { AuditSink } from './types.js';

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  clock: Clock;
}

/** `sha256=<hex>` of the HMAC-SHA256 of body under secret. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSink implements AuditSink {
  constructor(private readonly options: WebhookSinkOptions) {}

  async deliver(events: readonly Record<string, unknown>[]): Promise<void> {
    const now = this.options.clock.now();
    const body = JSON.stringify({ schema: 'lease.audit.batch.v1', sent_at: new Date(now).toISOString(), events });
    const target = new URL(this.options.url);
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-lease-signature': webhookSignature(this.options.secret, body),
          'x-lease-timestamp': String(Math.floor(now / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new Error(`webhook ${target.origin}${target.pathname} unreachable: ${causeOf(err)}`, { cause: err });
    }
    // The answer's body is not read beyond what frees the connection: it is not ours to log.
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) throw new Error(`webhook ${target.origin}${target.pathname} answered ${response.status}`);
  }

  async close(): Promise<void> {}
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
}
