// The OpenTelemetry implementation of the Tracer: @opentelemetry/sdk-node with an OTLP/HTTP
// exporter. Imported by start.ts only when tracing is enabled. Nothing is instrumented
// automatically: Lease makes its own spans (API calls, workflow steps and calls, provider
// calls), so no library's spans can carry a header, a query string or a statement.
import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, context, defaultTextMapGetter, defaultTextMapSetter, diag, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Logger } from '../core/index.js';
import type { TracingSettings } from './start.js';
import { errorCode, type ActiveSpan, type SpanAttributes, type SpanKind, type Tracer } from './tracer.js';

const KINDS: Record<SpanKind, OtelSpanKind> = { server: OtelSpanKind.SERVER, client: OtelSpanKind.CLIENT, internal: OtelSpanKind.INTERNAL };

export async function openTelemetryTracer(settings: TracingSettings, logger: Logger): Promise<Tracer> {
  // The SDK's own complaints (an unreachable collector) go to Lease's log, as text only.
  diag.setLogger(
    {
      error: (message) => logger.warn({ component: 'opentelemetry' }, message),
      warn: (message) => logger.warn({ component: 'opentelemetry' }, message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { suppressOverrideMessage: true },
  );
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': settings.serviceVersion }),
    // Detectors would add the host's and process's details (the command line among them).
    autoDetectResources: false,
    traceExporter: new OTLPTraceExporter({ url: settings.url, headers: settings.headers }),
    // A trace is kept or dropped whole: a workflow's spans follow the API call's decision.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer('lease', settings.serviceVersion);
  const propagator = new W3CTraceContextPropagator();

  const contextOf = (traceparent: string): Context => propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);

  return {
    enabled: true,
    inSpan(name, options, fn) {
      const active = context.active();
      let parent = active;
      const links: Link[] = [];
      if (options.parent !== undefined) {
        parent = contextOf(options.parent);
        const caller = trace.getSpanContext(active);
        if (options.linkActive && caller && caller.traceId !== trace.getSpanContext(parent)?.traceId) links.push({ context: caller });
      }
      return tracer.startActiveSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: attributesOf(options.attributes), links }, parent, async (span) => {
        try {
          return await fn(activeSpan(span));
        } catch (err) {
          fail(span, errorCode(err));
          throw err;
        } finally {
          span.end();
        }
      });
    },
    traceparent() {
      const carrier: Record<string, string> = {};
      propagator.inject(context.active(), carrier, defaultTextMapSetter);
      return carrier.traceparent;
    },
    annotate(attributes) {
      trace.getActiveSpan()?.setAttributes(attributesOf(attributes));
    },
    shutdown: () => sdk.shutdown(),
  };
}

function activeSpan(span: Span): ActiveSpan {
  return { setAttributes: (attributes) => span.setAttributes(attributesOf(attributes)), fail: (code) => fail(span, code) };
}

/** An error is its code: the status carries no message, and no exception event is recorded. */
function fail(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

function attributesOf(attributes: SpanAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}
