import type { Command } from 'commander';
import { configJsonSchema, validateConfigLocation } from '../../config/index.js';
import { defaultRegistry } from '../../providers/index.js';
import { validateWorkflowDocument } from '../../workflow/dsl/index.js';
import { CliError } from '../errors.js';
import { printJson, printLine } from '../output.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('validate <path>')
    .description('check a config file or directory; prints every problem at once')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const result = await validateConfigLocation(path, {
        providerFactories: defaultRegistry().factories(),
        validateWorkflow: validateWorkflowDocument,
      });
      if (opts.json) printJson(result);
      else {
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        for (const i of result.issues) process.stderr.write(`${i.file}: ${i.path}: ${i.message}\n`);
        if (result.ok) printLine(`${path}: configuration is valid`);
      }
      if (!result.ok) throw new CliError(`${result.issues.length} problem(s) in ${path}`, 2);
    });
  config
    .command('schema')
    .description('print the JSON Schema of config files (for editors)')
    .action(() => {
      printJson(configJsonSchema());
    });
}
