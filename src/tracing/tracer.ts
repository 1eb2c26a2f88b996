// What the rest of Lease sees of tracing: start a span, read the active trace context to carry it
// across a durable boundary (a workflow that outlives the request). The process-wide tracer is a
// no-op until the server turns tracing on (otel.ts, imported only then), so with tracing off no
// OpenTelemetry module is loaded and a span costs one function call.

/** Span attribute values Lease records: identifiers, names, codes and counts, never free text. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export type SpanKind = 'server' | 'client' | 'internal';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * A W3C `traceparent` the span belongs under (a workflow's stored trace context). Unset: the
   * active span, if any.
   */
  parent?: string | undefined;
  /** Links to the active span when `parent` is given and the active span is another trace (the API call that resumed a workflow). */
  linkActive?: boolean;
}

export interface ActiveSpan {
  setAttributes(attributes: SpanAttributes): void;
  /**
   * Marks the span failed with a stable error code. Only the code is recorded: an error's
   * message may quote a target's answer, which can hold a credential.
   */
  fail(code: string): void;
}

export interface Tracer {
  readonly enabled: boolean;
  /** Runs `fn` in a new span (active for everything `fn` awaits); a throw marks it failed with the error's code. */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: ActiveSpan) => Promise<T>): Promise<T>;
  /** The active span's context as a W3C `traceparent`, or undefined without one. */
  traceparent(): string | undefined;
  /** Adds attributes to the active span (a service naming the request an API call made). */
  annotate(attributes: SpanAttributes): void;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

const noSpan: ActiveSpan = { setAttributes: () => undefined, fail: () => undefined };

export const noopTracer: Tracer = {
  enabled: false,
  inSpan: (_name, _options, fn) => fn(noSpan),
  traceparent: () => undefined,
  annotate: () => undefined,
  shutdown: () => Promise.resolve(),
};

let current: Tracer = noopTracer;

/** The process's tracer (a no-op unless tracing was started). */
export function tracer(): Tracer {
  return current;
}

/** Installs the process's tracer; returns the one it replaces. */
export function installTracer(next: Tracer): Tracer {
  const previous = current;
  current = next;
  return previous;
}

const CODE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/**
 * An error's stable code for a span: its `code` (LeaseError, Node's system errors) or its class
 * name, never its message. Anything that does not look like an identifier is `error`.
 */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CODE.test(code)) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && CODE.test(name)) return name;
  }
  return 'error';
}
