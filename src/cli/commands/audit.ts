import type { Command } from 'commander';
import type { z } from 'zod';
import type { auditArchiveSchema, auditEntryViewSchema, auditForwardersSchema, auditPruneResultSchema, auditVerificationSchema } from '../../server/api/schemas.js';
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

  audit
    .command('export')
    .description('write a signed, verifiable archive of the audit entries in a time range (administrators)')
    .option('--since <time>', 'entries at or after this ISO-8601 time')
    .option('--until <time>', 'entries at or before this ISO-8601 time')
    .option('--out <file>', 'write the archive here (default: standard output)')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ since?: string; until?: string; out?: string; server?: string }>();
      const { client } = await authenticatedClient(opts.server);
      const query = new URLSearchParams();
      if (opts.since) query.set('since', opts.since);
      if (opts.until) query.set('until', opts.until);
      const { archive } = await client.get<z.infer<typeof auditArchiveSchema>>(`/api/v1/audit/archive?${query}`);
      if (!opts.out) return void process.stdout.write(archive);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(opts.out, archive, { mode: 0o600 });
      const { verifyArchive } = await import('../../audit/archive.js');
      const verdict = verifyArchive(archive);
      printLine(`wrote ${opts.out}: ${verdict.count} entries${verdict.count ? ` (seq ${verdict.from_seq}–${verdict.to_seq})` : ''}, signed by key ${verdict.key_id}, sha256 ${verdict.sha256}`);
    });

  audit
    .command('verify-archive <file>')
    .description('check an archive written by lease audit export: signature, every hash, no entry missing (offline)')
    .option('--public-key <file>', "the server's audit key (PEM public key) to trust, instead of the one the archive carries")
    .action(async (file: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ publicKey?: string; json?: boolean }>();
      const { readFile } = await import('node:fs/promises');
      const { createPublicKey } = await import('node:crypto');
      const { verifyArchive } = await import('../../audit/archive.js');
      const trusted = opts.publicKey ? createPublicKey(await readFile(opts.publicKey, 'utf8')) : undefined;
      const verdict = verifyArchive(await readFile(file, 'utf8'), trusted);
      if (opts.json) printJson(verdict);
      else if (verdict.ok) printLine(`archive intact: ${verdict.count} entries${verdict.count ? ` (seq ${verdict.from_seq}–${verdict.to_seq})` : ''}, signed by key ${verdict.key_id}${trusted ? ' (trusted)' : ''}`);
      if (!verdict.ok) throw new CliError(`archive broken: ${verdict.message}`);
    });

  audit
    .command('prune')
    .description('delete the entries written before a time, behind a signed checkpoint, as retention does (administrators)')
    .requiredOption('--before <time>', 'an ISO-8601 time')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ before: string; server?: string; json?: boolean }>();
      const { client } = await authenticatedClient(opts.server);
      const result = await client.post<z.infer<typeof auditPruneResultSchema>>('/api/v1/audit/prune', { before: opts.before });
      if (opts.json) return printJson(result);
      if (result.through_seq === null) printLine('nothing to prune');
      else printLine(`pruned ${result.deleted} entries through seq ${result.through_seq}`);
      if (result.held_by === 'forwarder') printLine('some entries were kept: a forwarder has not delivered them yet (lease audit forwarders)');
    });
}
