// A real OpenTelemetry Collector for the tracing tests: the ocb build of
// scripts/otel-collector/manifest.yaml (made by scripts/provision.mjs in
// ${XDG_CACHE_HOME:-~/.cache}/lease/otelcol-<version>/, or $LEASE_OTELCOL), with its OTLP/HTTP
// receiver on a free loopback port and a file exporter whose JSON lines the test reads back.
// Under `npm test` the exported file is copied into the run's log directory, so the whole-run
// secret scan (scripts/scan-secrets.mjs) reads every span too.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { stopProcess } from './stop-process.js';

/** Keep in step with scripts/otel-collector/build.mjs. */
export const OTELCOL_VERSION = 'v0.165.0';
const HOW_TO_GET =
  'run `node scripts/provision.mjs` (builds the collector with ocb from the Go module proxy into ~/.cache/lease/otelcol-<version>, 3–6 min the first time), or set LEASE_OTELCOL to a collector binary with the otlp receiver and the file exporter';
const READY_TIMEOUT_MS = 120_000;

export function otelCollectorBinary(): string {
  if (process.env.LEASE_OTELCOL) return process.env.LEASE_OTELCOL;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease', `otelcol-${OTELCOL_VERSION}`, 'otelcol-lease');
}

/** One span as the collector exported it. */
export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a trace's root span. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  links: Array<{ traceId: string; spanId: string }>;
  events: unknown[];
}

export interface OtelCollector {
  /** The OTLP/HTTP base URL (spans go to `<endpoint>/v1/traces`). */
  endpoint: string;
  /** The exported file as it is now: JSON lines, one export request each. */
  raw(): Promise<string>;
  /** Every span exported so far. */
  spans(): Promise<ExportedSpan[]>;
  /** Every log record exported so far (the audit forwarder's OTLP logs), with its resource's attributes. */
  logRecords(): Promise<ExportedLogRecord[]>;
  stop(): Promise<void>;
}

/** Starts a collector; undefined when the test was skipped (no collector, outside CI). */
export async function startOtelCollector(t: TestContext): Promise<OtelCollector | undefined> {
  const binary = otelCollectorBinary();
  if (!requireComponent(t, `the OpenTelemetry Collector (ocb ${OTELCOL_VERSION})`, existsSync(binary), HOW_TO_GET)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'lease-otelcol-'));
  const port = await freePort();
  const file = join(dir, 'spans.jsonl');
  await writeFile(
    join(dir, 'config.yaml'),
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  file:
    path: ${JSON.stringify(file)}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
    logs:
      receivers: [otlp]
      exporters: [file]
`,
  );
  const child = spawn(binary, ['--config', join(dir, 'config.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OpenTelemetry Collector was not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Everything is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenTelemetry Collector exited with ${code}:\n${output}`));
    });
  });
  const raw = async () => (existsSync(file) ? readFile(file, 'utf8') : '');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    raw,
    spans: async () => parseExport(await raw()),
    logRecords: async () => parseLogExport(await raw()),
    stop: async () => {
      await stopProcess(child, exited);
      const logDir = process.env.LEASE_TEST_LOG_DIR;
      if (logDir && existsSync(file)) await copyFile(file, join(logDir, `otel-spans-${basename(dir)}.jsonl`));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: OtlpAttribute[];
  status?: { code?: number; message?: string };
  links?: Array<{ traceId: string; spanId: string }>;
  events?: unknown[];
}
interface OtlpExport {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

function valueOf(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return JSON.stringify(value);
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

/** The file exporter's JSON lines (OTLP/JSON export requests) as a flat list of spans. */
export function parseExport(text: string): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as OtlpExport;
    for (const resource of request.resourceSpans ?? []) {
      const service = String(attributesOf(resource.resource?.attributes)['service.name'] ?? '');
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes),
            status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
            links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            events: span.events ?? [],
          });
        }
      }
    }
  }
  return spans;
}

/** One log record as the collector exported it. */
export interface ExportedLogRecord {
  resource: Record<string, string | number | boolean>;
  scope: string;
  eventName: string;
  body: string;
  attributes: Record<string, string | number | boolean>;
}

/** The log records in the file exporter's JSON lines (export requests of logs; span lines are skipped). */
export function parseLogExport(text: string): ExportedLogRecord[] {
  type LogExport = { resourceLogs?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeLogs?: Array<{ scope?: { name?: string }; logRecords?: Array<{ eventName?: string; body?: OtlpValue; attributes?: OtlpAttribute[] }> }> }> };
  const records: ExportedLogRecord[] = [];
  // The exporter may be half-way through a line: only complete lines are read.
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as LogExport;
    for (const resource of request.resourceLogs ?? []) {
      for (const scope of resource.scopeLogs ?? []) {
        for (const record of scope.logRecords ?? []) {
          records.push({
            resource: attributesOf(resource.resource?.attributes),
            scope: scope.scope?.name ?? '',
            eventName: record.eventName ?? '',
            body: record.body?.stringValue ?? '',
            attributes: attributesOf(record.attributes),
          });
        }
      }
    }
  }
  return records;
}
