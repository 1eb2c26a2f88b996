// tracing/: OpenTelemetry traces (server.tracing). See README.md.
export { errorCode, installTracer, noopTracer, tracer, type ActiveSpan, type SpanAttributes, type SpanKind, type SpanOptions, type Tracer } from './tracer.js';
export { startTracing } from './start.js';
