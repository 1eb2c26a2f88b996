// Turns tracing on when `server.tracing.enabled` says so. Everything OpenTelemetry is imported
// here, dynamically, and only then: a server without tracing loads none of it.
import type { Logger } from '../core/index.js';
import type { TracingConfig } from '../config/index.js';
import { installTracer, noopTracer, type Tracer } from './tracer.js';

/** What the exporter is given: where to send, what to send with it. */
export interface TracingSettings {
  /** The full OTLP/HTTP traces URL (`…/v1/traces`). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
  serviceVersion: string;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/**
 * Where spans go: `endpoint` from the config, else the standard OpenTelemetry variables
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full traces URL; OTEL_EXPORTER_OTLP_ENDPOINT a base
 * URL), else the OTLP/HTTP default.
 */
export function tracesUrl(config: Pick<TracingConfig, 'endpoint'>, env: Record<string, string | undefined>): string {
  if (config.endpoint !== undefined) return joinTracesPath(config.endpoint);
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  return joinTracesPath(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || DEFAULT_ENDPOINT);
}

function joinTracesPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

export function tracingSettings(config: TracingConfig, env: Record<string, string | undefined>, serviceVersion: string): TracingSettings {
  return { url: tracesUrl(config, env), headers: { ...(config.headers ?? {}) }, serviceName: config.service_name, sampleRatio: config.sample_ratio, serviceVersion };
}

/**
 * Starts tracing for this process when enabled and installs it as the process's tracer; returns
 * the tracer (the no-op one when off). Shut it down on exit to send what is buffered.
 */
export async function startTracing(config: TracingConfig | undefined, options: { env: Record<string, string | undefined>; logger: Logger; serviceVersion: string }): Promise<Tracer> {
  if (!config?.enabled) return noopTracer;
  const settings = tracingSettings(config, options.env, options.serviceVersion);
  const { openTelemetryTracer } = await import('./otel.js');
  const started = await openTelemetryTracer(settings, options.logger);
  installTracer(started);
  // The URL only: headers may hold a token.
  options.logger.info({ url: settings.url, service_name: settings.serviceName, sample_ratio: settings.sampleRatio }, 'tracing on: OTLP/HTTP');
  return {
    ...started,
    shutdown: async () => {
      installTracer(noopTracer);
      await started.shutdown();
    },
  };
}
