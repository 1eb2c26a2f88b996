// The one logger: pino, JSON lines on stderr (stdout stays for a command's own output), or
// where the server's `logging.output` says.
// Redaction is defence in depth: callers never pass secrets, and these paths are masked anyway.
import { pino, type Logger } from 'pino';
import { openLogFile } from './log-file.js';

export type { Logger };

const REDACT = [
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
  'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie',
  'secret', '*.secret', 'client_secret', '*.client_secret', 'key', '*.key',
];

/**
 * `destination`: `stderr` (default), `stdout`, or a file path (appended to; its directory is
 * created; one file per day, kept `retentionDays`: core/log-file.ts).
 */
export function createLogger(options: { level?: string; name?: string; destination?: string; retentionDays?: number } = {}): Logger {
  const destination = options.destination ?? 'stderr';
  return pino(
    {
      name: options.name ?? 'lease',
      level: options.level ?? process.env.LEASE_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
    },
    destination === 'stderr' || destination === 'stdout'
      ? pino.destination({ fd: destination === 'stdout' ? 1 : 2, sync: true })
      : openLogFile(destination, options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }).stream,
  );
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
