import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { authenticatedClient } from '../context.js';
import { CliError } from '../errors.js';
import { printError, printJson, terminalSafe } from '../output.js';
import { askSuggestions, printSuggestions } from '../suggestions.js';
import { FINAL_STATUSES, requestStatusSchema } from '../../core/request.js';
import { printRequest, type RequestView } from '../requests-view.js';

export function registerRequest(program: Command): void {
  program
    .command('request [text]')
    .description('ask for a role on a provider for a while, with a reason; or say what you need in plain words (lease request "debug the checkout logs for 2 hours")')
    .option('--role <id>', 'role id')
    .option('--provider <id>', 'provider id (may be left out when the role has only one)')
    .option('--duration <d>', 'how long: 90s, 10m, 1h or ISO-8601 PT1H')
    .option('--reason <text>', 'why you need it (recorded in the audit trail)')
    .option('-y, --yes', 'with a text: take the best suggestion without asking')
    .option('--workflow <id>', 'workflow to use, when the role allows several')
    .option('--break-glass', 'emergency: granted at once without approval, every channel notified, reviewed afterwards (roles with break_glass: true)')
    .option('--start <time>', 'scheduled start, ISO-8601 (2026-05-01T09:00:00Z): granted then; approvals may come before')
    .option('--wait', 'return once the request is active or has ended; prints its id and each status change on stderr meanwhile')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the request as JSON')
    .action(async (text: string | undefined, opts: RequestOptions) => {
      const timeout = Number(opts.timeout);
      if (opts.wait && !(timeout > 0)) throw new CliError(`--timeout must be a number of seconds, got "${opts.timeout}"`, 2);
      const asked = askedFor(text, opts);
      const { client } = await authenticatedClient(opts.server);
      const chosen = asked.kind === 'text' ? await chooseSuggestion(client, asked.text, opts) : asked;
      if (chosen === undefined) return;
      let request = await client.post<RequestView>('/api/v1/requests', {
        role: chosen.role,
        ...(chosen.provider !== undefined ? { provider: chosen.provider } : {}),
        duration: chosen.duration,
        reason: chosen.reason,
        ...(opts.workflow ? { workflow: opts.workflow } : {}),
        ...(opts.breakGlass ? { break_glass: true } : {}),
        ...(opts.start !== undefined ? { start_at: opts.start } : {}),
      });
      if (opts.wait) {
        // On stderr, so stdout stays the one result (and --json one document); the id comes
        // first, so an interrupted wait still says which request to follow.
        printError(`${request.id}: ${request.status} (waiting; Ctrl-C stops waiting, not the request: lease status ${request.id})`);
        request = await waitFor(client, request, ['active', ...FINAL_STATUSES], timeout * 1000, (r) => printError(`${r.id}: ${r.status}`));
      }
      if (opts.json) printJson(request);
      else printRequest(request);
      if (opts.wait && (request.status === 'denied' || request.status === 'failed' || request.status === 'expired')) process.exitCode = 1;
    });
}

interface RequestOptions {
  role?: string;
  provider?: string;
  duration?: string;
  reason?: string;
  yes?: boolean;
  workflow?: string;
  breakGlass?: boolean;
  start?: string;
  wait?: boolean;
  timeout: string;
  server?: string;
  json?: boolean;
}

type Asked = { kind: 'text'; text: string } | { kind: 'role'; role: string; provider?: string; duration: string; reason: string };

/** Either a text in plain words or --role with --duration and --reason: a usage error otherwise. */
function askedFor(text: string | undefined, opts: RequestOptions): Asked {
  if (text !== undefined) {
    if (opts.role !== undefined) throw new CliError('give either a text or --role, not both', 2);
    if (text.trim() === '') throw new CliError('the text is empty: say what you need to do', 2);
    return { kind: 'text', text };
  }
  if (opts.role === undefined) throw new CliError('say what you need (lease request "TEXT") or name a role with --role, --duration and --reason', 2);
  if (opts.duration === undefined) throw new CliError("required option '--duration <d>' not specified", 2);
  if (opts.reason === undefined) throw new CliError("required option '--reason <text>' not specified", 2);
  return { kind: 'role', role: opts.role, ...(opts.provider !== undefined ? { provider: opts.provider } : {}), duration: opts.duration, reason: opts.reason };
}

/**
 * The suggestion to request: the best with --yes; otherwise, in a terminal, the one the person
 * confirms (Enter takes the best, a number another, n cancels). --duration and --provider still
 * override. Undefined when cancelled.
 */
async function chooseSuggestion(client: ApiClient, text: string, opts: RequestOptions): Promise<Omit<Asked & { kind: 'role' }, 'kind'> | undefined> {
  if (!opts.yes && !(process.stdin.isTTY && process.stdout.isTTY)) throw new CliError('not a terminal: pass --yes to request the best suggestion, or see them first with lease suggest', 2);
  const list = await askSuggestions(client, text);
  const [best] = list.suggestions;
  if (best === undefined) throw new CliError('nothing you may request fits that text (lease roles lists what you may request; lease request --role names one)');
  let pick = best;
  if (!opts.yes) {
    printSuggestions(list);
    const answer = await promptLine(`Request ${best.role} on ${best.provider} for ${best.duration}? [Enter = yes, 1-${list.suggestions.length} = pick, n = cancel] `);
    const choice = answer.trim().toLowerCase();
    if (choice === 'n' || choice === 'no' || choice === 'q') {
      printError('cancelled: nothing requested');
      process.exitCode = 1;
      return undefined;
    }
    if (choice !== '' && choice !== 'y' && choice !== 'yes') {
      const n = Number(choice);
      const picked = Number.isInteger(n) ? list.suggestions[n - 1] : undefined;
      if (picked === undefined) throw new CliError(`"${answer.trim()}" is not one of 1-${list.suggestions.length}: nothing requested`, 2);
      pick = picked;
    }
  }
  return { role: pick.role, provider: opts.provider ?? pick.provider, duration: opts.duration ?? pick.duration, reason: opts.reason ?? pick.reason };
}

/** One line typed on the terminal (the prompt escaped like every other output). */
async function promptLine(prompt: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(terminalSafe(prompt));
  } finally {
    rl.close();
  }
}

/**
 * Waits (server-side long poll) until the request has one of `statuses` or the timeout passes,
 * calling `onChange` with each status it moves through on the way.
 */
export async function waitFor(
  client: ApiClient,
  start: RequestView,
  statuses: readonly string[],
  timeoutMs: number,
  onChange: (request: RequestView) => void = () => undefined,
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  let request = start;
  while (!statuses.includes(request.status)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new CliError(`timed out waiting for ${request.id} (status ${request.status})`);
    const seconds = Math.max(1, Math.min(60, Math.ceil(remaining / 1000)));
    // Any status but the current one answers the poll, so each change is seen as it happens.
    const until = requestStatusSchema.options.filter((s) => s !== request.status);
    const next = await client.get<RequestView>(`/api/v1/requests/${encodeURIComponent(request.id)}?until=${until.join(',')}&timeout=${seconds}`);
    if (next.status !== request.status) onChange(next);
    request = next;
  }
  return request;
}
