import type { Command } from 'commander';
import type { z } from 'zod';
import type { auditEntryViewSchema, auditForwardersSchema, auditVerificationSchema } from '../../server/api/schemas.js';
import { authenticatedClient } from '../context.js';

type AuditEntry = z.infer<typeof auditEntryViewSchema>;
import { CliError } from '../errors.js';
import { printJson, printLine, printTable } from '../output.js';

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('show the audit trail, or verify its hash chain (administrators)')
    .option('--verify', 'check the hash chain; exit 0 only if it is intact')
    .option('--subject <id>', 'only entries about this request')
    .option('--limit <n>', 'at most this many entries', '100')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (opts: { verify?: boolean; subject?: string; limit: string; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      if (opts.verify) {
        const result = await client.get<z.infer<typeof auditVerificationSchema>>('/api/v1/audit/verify');
        if (opts.json) printJson(result);
        else if (result.ok) printLine(`audit chain intact (${result.count} entries)`);
        if (!result.ok) throw new CliError(`audit chain broken at entry ${result.broken_at}: ${result.message ?? 'hash mismatch'}`);
        return;
      }
      const query = new URLSearchParams({ limit: opts.limit });
      if (opts.subject) query.set('subject', opts.subject);
      const { entries } = await client.get<{ entries: AuditEntry[] }>(`/api/v1/audit?${query}`);
      if (opts.json) return printJson(entries);
      printTable(
        ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT'],
        entries.map((e) => [String(e.seq), e.ts, e.actor, e.action, e.subject ?? '-']),
      );
    });

  audit
    .command('forwarders')
    .description('where each audit forwarder is in the log: position, lag, last error (administrators)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (_opts: unknown, command: Command) => {
      // `audit` has --server and --json too: commander gives them to whichever command comes first.
      const opts = command.optsWithGlobals<{ server?: string; json?: boolean }>();
      const { client } = await authenticatedClient(opts.server);
      const { forwarders } = await client.get<z.infer<typeof auditForwardersSchema>>('/api/v1/audit/forwarders');
      if (opts.json) return printJson(forwarders);
      if (forwarders.length === 0) return printLine('no audit forwarders configured (audit.forwarders)');
      printTable(
        ['NAME', 'TYPE', 'POSITION', 'LAG', 'STATE', 'LAST ERROR'],
        forwarders.map((f) => [f.name, f.type, String(f.position), String(f.lag), f.state, f.last_error ?? '-']),
      );
    });
}
