// The syslog forwarder: RFC 5424 messages over TCP (optionally TLS), framed by octet counting
// (RFC 6587 §3.4.1: "<length> <message>"), one message per event, the event's JSON as MSG.
// Plain syslog has no acknowledgement: a batch counts as delivered once the connection took all
// of it without error. A receiver that went away is noticed at the next write and the batch
// is sent again on a new connection (see docs/operations.md for what that means).
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as connectTls } from 'node:tls';
import type { AuditSink } from './types.js';

export interface SyslogSinkOptions {
  host: string;
  port: number;
  /** TLS settings, or undefined for plain TCP. */
  tls?: { caFile?: string; serverName?: string };
  appName: string;
  facility: number;
  timeoutMs: number;
}

/** Informational: audit events are records, not alarms. */
const SEVERITY_INFO = 6;
const NILVALUE = '-';

/** One RFC 5424 message for an event. */
export function syslogMessage(event: Record<string, unknown>, options: { facility: number; appName: string; host: string; procId: string }): string {
  const pri = options.facility * 8 + SEVERITY_INFO;
  const time = typeof event.time === 'string' && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : typeof event.time === 'number' ? new Date(event.time) : new Date();
  const msgId = typeof event.action === 'string' ? printable(event.action, 32) : 'lease.audit';
  return `<${pri}>1 ${time.toISOString()} ${printable(options.host, 255)} ${options.appName} ${options.procId} ${msgId} ${NILVALUE} ${JSON.stringify(event)}`;
}

/** RFC 5424 header fields are printable US-ASCII without spaces, bounded in length. */
function printable(text: string, max: number): string {
  const clean = text.replace(/[^!-~]/g, '_').slice(0, max);
  return clean === '' ? NILVALUE : clean;
}

/** "<length> <message>": the length in octets of the UTF-8 message. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

export class SyslogSink implements AuditSink {
  private socket: Socket | undefined;
  private broken: Error | undefined;
  private readonly host = hostname();

  constructor(private readonly options: SyslogSinkOptions) {}

  async deliver(events: readonly Record<string, unknown>[]): Promise<void> {
    const socket = await this.connection();
    const header = { facility: this.options.facility, appName: this.options.appName, host: this.host, procId: String(process.pid) };
    const frames = Buffer.concat(events.map((event) => octetCounted(syslogMessage(event, header))));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.write(frames, (err) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      this.drop();
      throw new Error(`syslog ${this.where()}: ${causeOf(err)}`, { cause: err });
    }
    if (this.broken) {
      const err = this.broken;
      this.drop();
      throw new Error(`syslog ${this.where()}: the connection closed (${causeOf(err)})`);
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    });
  }

  private where(): string {
    return `${this.options.tls ? 'tls' : 'tcp'}://${this.options.host}:${this.options.port}`;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.broken = undefined;
  }

  /** The open connection, or a new one. A connection the receiver closed is replaced. */
  private async connection(): Promise<Socket> {
    if (this.socket && !this.broken && !this.socket.destroyed) return this.socket;
    this.drop();
    const { host, port, tls, timeoutMs } = this.options;
    const ca = tls?.caFile ? await readFile(tls.caFile) : undefined;
    // SNI carries names only; an address is checked against the certificate's IP entries.
    const serverName = tls?.serverName ?? (isIP(host) === 0 ? host : undefined);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls
        ? connectTls({ host, port, rejectUnauthorized: true, ...(serverName ? { servername: serverName } : {}), ...(ca ? { ca } : {}) })
        : connectTcp({ host, port });
      const timer = setTimeout(() => s.destroy(new Error(`no connection after ${timeoutMs} ms`)), timeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(s);
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(new Error(`syslog ${this.where()} unreachable: ${causeOf(err)}`));
      };
      s.once('error', onError);
    });
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    // Syslog receivers send nothing back; data or an end means the connection is no longer usable.
    socket.on('data', () => undefined);
    socket.on('error', (err) => (this.broken ??= err));
    socket.on('end', () => (this.broken ??= new Error('closed by the receiver')));
    socket.on('close', () => (this.broken ??= new Error('closed')));
    this.socket = socket;
    return socket;
  }
}

function causeOf(err: unknown): string {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
}
