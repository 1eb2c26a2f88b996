// The OTLP forwarder: each batch is one OTLP/HTTP JSON export (`POST <endpoint>/v1/logs`), one
// log record per event with the event's JSON as the body and its seq, action, actor, request id
// and hashes as attributes. A 2xx answer acknowledges the batch (a partial success is logged
// by the collector, not retried: it names records the collector itself refused).
import type { AuditSink } from './types.js';

export interface OtlpSinkOptions {
  endpoint: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceVersion: string;
}

type AnyValue = { stringValue: string } | { intValue: string };

function attribute(key: string, value: unknown): { key: string; value: AnyValue } | undefined {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'number' && Number.isInteger(value)) return { key, value: { intValue: String(value) } };
  return undefined;
}

/** The ExportLogsServiceRequest (OTLP JSON encoding) for a batch. */
export function otlpLogsRequest(events: readonly Record<string, unknown>[], serviceVersion: string): unknown {
  const envelope = (event: Record<string, unknown>): Record<string, unknown> =>
    (event.unmapped as { lease?: Record<string, unknown> } | undefined)?.lease ?? event;
  return {
    resourceLogs: [
      {
        resource: { attributes: [attribute('service.name', 'lease'), attribute('service.version', serviceVersion)] },
        scopeLogs: [
          {
            scope: { name: 'lease.audit' },
            logRecords: events.map((event) => {
              const lease = envelope(event);
              const time = typeof lease.time === 'string' ? Date.parse(lease.time) : Date.now();
              return {
                timeUnixNano: `${BigInt(time) * 1_000_000n}`,
                observedTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                severityNumber: 9,
                severityText: 'INFO',
                eventName: typeof lease.action === 'string' ? lease.action : 'lease.audit',
                body: { stringValue: JSON.stringify(event) },
                attributes: [
                  attribute('lease.audit.seq', lease.seq),
                  attribute('lease.audit.action', lease.action),
                  attribute('lease.audit.actor', lease.actor),
                  attribute('lease.audit.request_id', lease.request_id),
                  attribute('lease.audit.hash', lease.hash),
                  attribute('lease.audit.prev_hash', lease.prev_hash),
                ].filter((a) => a !== undefined),
              };
            }),
          },
        ],
      },
    ],
  };
}

export class OtlpSink implements AuditSink {
  private readonly url: URL;

  constructor(private readonly options: OtlpSinkOptions) {
    this.url = new URL(`${options.endpoint.replace(/\/+$/, '')}/v1/logs`);
  }

  async deliver(events: readonly Record<string, unknown>[]): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { ...this.options.headers, 'content-type': 'application/json' },
        body: JSON.stringify(otlpLogsRequest(events, this.options.serviceVersion)),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      throw new Error(`otlp ${this.url.origin}${this.url.pathname} unreachable: ${cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause)}`, { cause: err });
    }
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) throw new Error(`otlp ${this.url.origin}${this.url.pathname} answered ${response.status}`);
  }

  async close(): Promise<void> {}
}
