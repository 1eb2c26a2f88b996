// An in-process Tracer that keeps its spans in memory, for unit tests of where spans are made
// (the real exporter is tested against a real collector: test/e2e/tracing.test.ts).
import { errorCode, type SpanAttributes, type SpanOptions, type Tracer } from './tracer.js';

export interface RecordedSpan {
  name: string;
  options: SpanOptions;
  attributes: SpanAttributes;
  /** The error code it failed with. */
  failed?: string;
}

export class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly spans: RecordedSpan[] = [];

  async inSpan<T>(name: string, options: SpanOptions, fn: (span: { setAttributes(a: SpanAttributes): void; fail(code: string): void }) => Promise<T>): Promise<T> {
    const span: RecordedSpan = { name, options, attributes: { ...options.attributes } };
    this.spans.push(span);
    try {
      return await fn({ setAttributes: (a) => Object.assign(span.attributes, a), fail: (code) => (span.failed = code) });
    } catch (err) {
      span.failed = errorCode(err);
      throw err;
    }
  }

  traceparent(): string | undefined {
    return undefined;
  }

  annotate(): void {}

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
