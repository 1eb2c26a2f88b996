// `server.tracing`: OpenTelemetry traces sent over OTLP/HTTP (off by default). Header values
// may be `${ENV}` references like any config string, so a collector's token stays out of the
// file; they are handed to the exporter only, never logged.
import { z } from 'zod';

// `${TRACING}` and `${RATIO}` resolve to strings: "true"/"false" and a decimal are accepted.
const flagSchema = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
const ratioSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value),
  z.number().min(0, 'expected a ratio from 0 to 1').max(1, 'expected a ratio from 0 to 1'),
);

/** An OTLP/HTTP endpoint: http(s), no credentials, query or fragment (headers carry tokens). */
const endpointSchema = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of an OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318' }).refine((value) => {
  const url = new URL(value);
  return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
}, 'expected a URL without credentials, query or fragment (put a token in tracing.headers)');

/** An HTTP header name (RFC 9110 token). */
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name');

export const tracingSchema = z.strictObject({
  /** Off unless true: no OpenTelemetry module is loaded then. */
  enabled: flagSchema.default(false),
  /**
   * The collector's OTLP/HTTP base URL (spans go to `<endpoint>/v1/traces`). Unset: the
   * standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT variables, else
   * http://localhost:4318.
   */
  endpoint: endpointSchema.optional(),
  /** `service.name` of every span; default `lease`. */
  service_name: z.string().min(1).default('lease'),
  /** Share of traces recorded, 0 to 1 (default 1); a trace is kept or dropped whole. */
  sample_ratio: ratioSchema.default(1),
  /** Sent with every export (e.g. `authorization: Bearer ${OTLP_TOKEN}`). */
  headers: z.record(headerNameSchema, z.string()).optional(),
});
export type TracingConfig = z.infer<typeof tracingSchema>;
