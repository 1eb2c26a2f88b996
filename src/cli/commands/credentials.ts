import { Option, type Command } from 'commander';
import type { AccessCredentialsView } from '../../server/api/schemas.js';
import { authenticatedClient } from '../context.js';
import { CREDENTIAL_FORMATS, connectionUrl, credentialProcessDocument, envLines, type CredentialFormat } from '../credential-formats.js';
import { printJson, printLine } from '../output.js';

export function registerCredentials(program: Command): void {
  program
    .command('credentials <id>')
    .description('print short-lived credentials for your active lease (AWS STS, a PostgreSQL login); only you, its requester, may fetch them')
    .addOption(new Option('--format <format>', 'env: export lines for eval; json; credential-process: the AWS CLI\'s credential_process output (AWS); url: a connection URL (PostgreSQL)').choices(CREDENTIAL_FORMATS).default('env'))
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .action(async (id: string, opts: { format: CredentialFormat; server?: string }) => {
      const { client } = await authenticatedClient(opts.server);
      const credentials = await client.post<AccessCredentialsView>(`/api/v1/requests/${encodeURIComponent(id)}/credentials`, {});
      if (opts.format === 'json') printJson(credentials);
      else if (opts.format === 'credential-process') printJson(credentialProcessDocument(credentials));
      else if (opts.format === 'url') printLine(connectionUrl(credentials));
      else for (const line of envLines(credentials)) printLine(line);
    });
  program
    .command('console <id>')
    .description('print a sign-in URL to the target\'s web console for your active lease (a secret: do not share it)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const answer = await client.post<{ url: string }>(`/api/v1/requests/${encodeURIComponent(id)}/console`, {});
      if (opts.json) printJson(answer);
      else printLine(answer.url);
    });
}
