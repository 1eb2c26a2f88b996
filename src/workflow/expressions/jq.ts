// The jq engine behind runtime expressions: real jq (jq-web, compiled to WebAssembly). Loading
// is asynchronous, evaluation is synchronous. Each evaluation runs jq's main once (~1 ms), so
// callers evaluate only what a step needs.
import jqModule from 'jq-web';
import type { ExpressionEngine } from '../interpreter/types.js';
import { ExpressionError } from './errors.js';
import { normaliseExpression } from './normalise.js';

/** Variables every expression may name: `check` compiles against these. */
export const EXPRESSION_VARIABLES = [
  'context',
  'input',
  'output',
  'workflow',
  'task',
  'runtime',
  'secrets',
  'authorization',
  'item',
  'index',
  'error',
] as const;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Definitions in front of every expression keep evaluation deterministic and sealed: `env` and
 * `$ENV` are empty (jq-web's are emscripten's fake environment, never the host's, but a
 * workflow has no business reading either) and `now`, a clock read, fails: use `$workflow`.
 */
const SANDBOX = 'def env: {}; def now: error("now is not available in workflow expressions: use $workflow.startedAt or $runtime"); {} as $ENV | ';
const EXIT_COMPILE_ERROR = 3;
const CHECK_CACHE_LIMIT = 1000;

interface JqRunError extends Error {
  exitCode?: number;
  stderr?: string;
}

/** Loads jq once; the returned engine evaluates synchronously. */
export async function createJqEngine(): Promise<ExpressionEngine> {
  const jq = await jqModule;
  const checked = new Map<string, string | undefined>();

  // Input and variables travel as one JSON document `[input, {name: value}]`; a prefix binds
  // the variables and hands `.[0]` to the expression. The expression starts on its own line so
  // a trailing `# comment` in it cannot swallow the prefix.
  function run(expression: string, input: unknown, variables: Record<string, unknown>, compileOnly: boolean): string | undefined {
    const names = Object.keys(variables).filter((name) => variables[name] !== undefined);
    for (const name of names) {
      if (!VARIABLE_NAME.test(name)) throw new ExpressionError('compile', expression, `invalid variable name "${name}"`);
    }
    const bind = names.length > 0 ? `.[1] as {${names.map((n) => `$${n}`).join(', ')}} | ` : '';
    const filter = `${SANDBOX}${bind}.[0] | ${compileOnly ? 'empty | ' : ''}\n${normaliseExpression(expression)}\n`;
    const payload = JSON.stringify([input ?? null, variables]);
    try {
      return jq.raw(payload, filter, ['-c']);
    } catch (err) {
      const e = err as JqRunError;
      const kind = e.exitCode === EXIT_COMPILE_ERROR ? 'compile' : 'runtime';
      throw new ExpressionError(kind, expression, cleanMessage(e.stderr ?? e.message));
    }
  }

  return {
    evaluate(expression, input, variables) {
      const stdout = run(expression, input, variables, false);
      if (stdout === undefined || stdout.trim() === '') return null;
      const firstLine = stdout.split('\n', 1)[0] as string;
      return JSON.parse(firstLine) as unknown;
    },
    check(expression, variables = []) {
      const key = variables.length > 0 ? `${variables.join(',')}\n${expression}` : expression;
      if (checked.has(key)) return checked.get(key);
      let message: string | undefined;
      try {
        run(expression, null, Object.fromEntries([...EXPRESSION_VARIABLES, ...variables].map((n) => [n, null])), true);
      } catch (err) {
        // `empty |` means nothing runs, so only compile errors can surface here.
        if (err instanceof ExpressionError && err.kind === 'compile') message = err.message;
      }
      if (checked.size >= CHECK_CACHE_LIMIT) checked.clear();
      checked.set(key, message);
      return message;
    },
  };
}

/** Turns jq's stderr into one readable line: no `jq: error` prefix, no echoed program text. */
export function cleanMessage(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('jq: error'));
  const messages = (lines.length > 0 ? lines : [stderr.split('\n')[0] ?? stderr]).map((line) =>
    line
      .replace(/^jq: error(?: \(at [^)]*\))?(?: \(not a string\))?: /, '')
      .replace(/ \(Unix shell quoting issues\?\)/, '')
      .replace(/ at <top-level>, line \d+:$/, '')
      .replace(/^Non-zero exit code: \d+$/, 'jq failed')
      .trim(),
  );
  return messages.join('; ');
}
