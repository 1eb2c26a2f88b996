import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printError, printJson, printLine } from '../output.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('validate <path>')
    .description('check a config file or directory; prints every problem at once')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const { validateConfigLocation } = await import('../../config/index.js');
      const { defaultRegistry } = await import('../../server/provider-types.js');
      const { validateWorkflowDocument } = await import('../../workflow/dsl/index.js');
      const { createJqEngine } = await import('../../workflow/expressions/index.js');
      const expressions = await createJqEngine();
      const result = await validateConfigLocation(path, {
        providerFactories: defaultRegistry(),
        validateWorkflow: (doc) => validateWorkflowDocument(doc, expressions),
      });
      if (opts.json) printJson(result);
      else {
        for (const w of result.warnings) printError(`warning: ${w}`);
        for (const i of result.issues) printError(`${i.file}: ${i.path}: ${i.message}`);
        if (result.ok) printLine(`${path}: configuration is valid`);
      }
      if (!result.ok) throw new CliError(`${result.issues.length} problem(s) in ${path}`, 2);
    });
  config
    .command('schema')
    .description('print the JSON Schema of config files (for editors)')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/index.js');
      printJson(configJsonSchema());
    });
}
