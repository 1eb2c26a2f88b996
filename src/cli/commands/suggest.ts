import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson, printLine } from '../output.js';
import { askSuggestions, printSuggestions } from '../suggestions.js';

export function registerSuggest(program: Command): void {
  program
    .command('suggest <text>')
    .description('which roles you may request fit what you need to do, in your own words (best first)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (text: string, opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const list = await askSuggestions(client, text);
      if (opts.json) return printJson(list);
      if (list.suggestions.length === 0) return printLine('Nothing you may request fits that text (lease roles lists what you may request).');
      printSuggestions(list);
    });
}
