// Deterministic (workflow sandbox). jq runs outside the sandbox; each evaluation a step needs is
// done once by a local activity and recorded in the workflow history, so a replay reads the
// recorded value instead of running jq again. See README.md, "Expressions".
//
// The interpreter calls `evaluate` synchronously, in the middle of a step. When a value is not
// yet known the step is abandoned (ExpressionNeeded), the value is fetched, and the step is
// run again from the same state: the interpreter is pure, so re-running a step is safe and
// gives the same result up to the point where the new value is used.
import { ExpressionError } from '../../expressions/errors.js';
import type { ExpressionEngine } from '../../interpreter/types.js';
import type { EvaluateArgs, EvaluateResult } from './contract.js';

class ExpressionNeeded extends Error {
  constructor(
    readonly key: string,
    readonly args: EvaluateArgs,
  ) {
    super(`expression not yet evaluated: ${args.expression}`);
    this.name = 'ExpressionNeeded';
  }
}

/** Runs `step` until every expression it evaluates is known; `evaluate` fetches one value. */
export async function withRecordedExpressions<T>(
  step: (engine: ExpressionEngine) => T,
  evaluate: (args: EvaluateArgs) => Promise<EvaluateResult>,
): Promise<T> {
  const known = new Map<string, EvaluateResult>();
  const engine: ExpressionEngine = {
    evaluate(expression, input, variables) {
      const key = JSON.stringify([expression, input ?? null, variables]);
      const result = known.get(key);
      if (result === undefined) throw new ExpressionNeeded(key, { expression, input: input ?? null, variables });
      if (!result.ok) throw new ExpressionError(result.kind, expression, result.message);
      // A fresh copy each time, as jq gives: the interpreter may keep the value in its state.
      return result.value === undefined ? null : (JSON.parse(JSON.stringify(result.value)) as unknown);
    },
    // Documents are compiled against real jq when the configuration loads; nothing to check here.
    check: () => undefined,
  };
  for (;;) {
    try {
      return step(engine);
    } catch (err) {
      if (!(err instanceof ExpressionNeeded)) throw err;
      known.set(err.key, await evaluate(err.args));
    }
  }
}
