// A log file Lease writes itself (`logging.output: <path>`), kept for `logging.retention.days`
// (default 30: the threat model's default for operational logs). Lines of one UTC day stay in one
// file: when the day changes, the file is renamed `<file>.<YYYY-MM-DD>` (the day of its last
// line) and a new one is opened; dated files older than the retention are deleted. Checked at
// start and every minute. Logs sent to stdout/stderr are the platform's to keep (journald, the
// container runtime, a log shipper).
import { existsSync, readdirSync, renameSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';

export const DEFAULT_LOG_RETENTION_DAYS = 30;
const CHECK_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

/** A UTC calendar day, `YYYY-MM-DD`: sorts as it counts. */
const dayOf = (time: Date) => time.toISOString().slice(0, 10);

export interface LogFile {
  /** What the logger writes to (synchronous appends: a crash loses no line). */
  readonly stream: ReturnType<typeof pino.destination>;
  /** Rotates when the day changed and deletes what is past the retention; called by the timer. */
  check(): void;
  stop(): void;
}

export function openLogFile(path: string, options: { retentionDays?: number; now?: () => Date } = {}): LogFile {
  const now = options.now ?? (() => new Date());
  const retentionDays = options.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
  // The day of the lines already in the file, if any: they were written on its last change.
  let day = dayOf(written(path)?.mtime ?? now());
  const stream = pino.destination({ dest: path, mkdir: true, sync: true, mode: 0o600 });

  const rotate = (today: string) => {
    if (day === today) return;
    if (written(path)) {
      renameSync(path, freeName(`${path}.${day}`));
      stream.reopen();
    }
    day = today;
  };

  const prune = (today: string) => {
    const oldest = dayOf(new Date(Date.parse(`${today}T00:00:00Z`) - retentionDays * DAY_MS));
    const dated = new RegExp(`^${escapeRegExp(basename(path))}\\.(\\d{4}-\\d{2}-\\d{2})(\\.\\d+)?$`);
    for (const name of readdirSync(dirname(path))) {
      const match = dated.exec(name);
      if (match && match[1]! < oldest) unlinkSync(join(dirname(path), name));
    }
  };

  const check = () => {
    const today = dayOf(now());
    try {
      rotate(today);
      prune(today);
    } catch (err) {
      // Keep logging to the open file: a rotation that failed is tried again next minute.
      process.stderr.write(`lease: log file ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };

  check();
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  return { stream, check, stop: () => clearInterval(timer) };
}

/** The file's status when it holds lines, else undefined. */
function written(path: string): Stats | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats && stats.size > 0 ? stats : undefined;
}

/** `name`, or `name.1`, `name.2`… when a file of that day is there already (a restart renamed one). */
function freeName(name: string): string {
  if (!existsSync(name)) return name;
  for (let n = 1; ; n++) if (!existsSync(`${name}.${n}`)) return `${name}.${n}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
