// `lease workflow run`: runs a workflow on its own, to author and test it. The output is exactly
// one JSON document on stdout; logs go to stderr. Access calls hit a dry-run provider.
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printError, printJson } from '../output.js';

const ERROR_BASE = 'https://serverlessworkflow.io/spec/1.0.0/errors/';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, 2);
  }
}

export function registerWorkflow(program: Command): void {
  const workflow = program.command('workflow').description('author and test workflows');
  workflow
    .command('run <file>')
    .description('run a workflow on its own (DSL document or Thand workflows file); access calls are dry runs')
    .option('--name <id>', 'which workflow of a workflows file')
    .option('--input <json>', 'the workflow input', '{}')
    .option('--event <json>', 'a CloudEvent {"type","source"?,"data"} delivered in order (repeatable)', collect, [])
    .option('--runtime <runtime>', 'embedded or temporal', 'embedded')
    .option('--temporal-address <host:port>', 'Temporal frontend, with --runtime temporal')
    .option('--json', 'on failure print the error as JSON on stdout')
    .action(async (file: string, opts: { name?: string; input: string; event: string[]; runtime: string; temporalAddress?: string; json?: boolean }) => {
      const input = parseJson(opts.input, '--input');
      const events = opts.event.map((e, i) => {
        const event = parseJson(e, `--event #${i + 1}`) as { type?: unknown };
        if (typeof event !== 'object' || event === null || typeof event.type !== 'string') throw new CliError(`--event #${i + 1} needs a "type"`, 2);
        return event as { type: string; source?: string; data?: unknown };
      });
      if (opts.runtime !== 'embedded' && opts.runtime !== 'temporal') throw new CliError(`--runtime must be embedded or temporal, got "${opts.runtime}"`, 2);
      if (opts.runtime === 'temporal' && !opts.temporalAddress) throw new CliError('--runtime temporal needs --temporal-address HOST:PORT', 2);
      const { loadWorkflowFile, runStandalone } = await import('../../workflow/standalone/index.js');
      const { validateWorkflowDocument } = await import('../../workflow/dsl/index.js');
      const { createJqEngine } = await import('../../workflow/expressions/index.js');
      const { createLogger } = await import('../../core/index.js');
      const { name, document } = await loadWorkflowFile(file, opts.name);
      const expressions = await createJqEngine();
      const found = validateWorkflowDocument(document, expressions);
      for (const note of found.filter((p) => p.warning === true)) printError(`warning: ${file}: ${name}: ${note.path}: ${note.message}`);
      const problems = found.filter((p) => p.warning !== true);
      if (problems.length > 0) {
        for (const p of problems) printError(`${file}: ${name}: ${p.path}: ${p.message}`);
        throw new CliError(`${problems.length} problem(s) in workflow "${name}"`, 2);
      }
      const result = await runStandalone({
        document,
        input,
        events,
        expressions,
        logger: createLogger({ level: process.env.LEASE_LOG_LEVEL ?? 'warn' }),
        ...(opts.runtime === 'temporal' && opts.temporalAddress ? { temporalAddress: opts.temporalAddress } : {}),
      });
      if (result.status === 'completed') {
        printJson(result.output ?? null);
        return;
      }
      const error = result.error ?? { type: `${ERROR_BASE}runtime`, status: 500, title: result.status };
      if (opts.json) printJson({ error: { type: error.type, status: error.status, title: error.title ?? null, detail: error.detail ?? null, instance: error.instance ?? null } });
      printError(`lease: workflow "${name}" ${result.status}: ${error.title ?? error.type}${error.detail ? `: ${error.detail}` : ''}${error.instance ? ` (at ${error.instance})` : ''}`);
      process.exitCode = 1;
    });
}
