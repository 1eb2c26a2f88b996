// Deterministic (workflow sandbox). jq and JSON Schema checks run outside the sandbox; each one a
// step needs is done once by a local activity and recorded in the workflow history, so a replay
// reads the recorded value instead of running it again. See README.md, "Expressions". (The
// sandbox instantiates every module per cached workflow: keeping ajv out of it saves memory.)
//
// The interpreter calls `evaluate` synchronously, in the middle of a step. When a value is not
// yet known the step is abandoned (ExpressionNeeded), the value is fetched, and the step is
// run again from the same state: the interpreter is pure, so re-running a step is safe and
// gives the same result up to the point where the new value is used.
import { ExpressionError } from '../../expressions/errors.js';
import type { ExpressionEngine, SchemaValidator } from '../../interpreter/types.js';
import type { CheckSchemaArgs, CheckSchemaResult, EvaluateArgs, EvaluateResult } from './contract.js';

/** A value the step needs and nobody has computed yet: `fetch` computes it (a local activity). */
class ValueNeeded extends Error {
  constructor(
    readonly key: string,
    readonly fetch: () => Promise<EvaluateResult | CheckSchemaResult>,
  ) {
    super('value not yet recorded');
    this.name = 'ValueNeeded';
  }
}

export interface RecordedRemotes {
  evaluate: (args: EvaluateArgs) => Promise<EvaluateResult>;
  checkSchema: (args: CheckSchemaArgs) => Promise<CheckSchemaResult>;
}

/** Runs `step` until every expression and schema check it needs is known; each is fetched once. */
export async function withRecordedValues<T>(
  step: (engine: ExpressionEngine, schemas: SchemaValidator) => T,
  remotes: RecordedRemotes,
): Promise<T> {
  const known = new Map<string, EvaluateResult | CheckSchemaResult>();
  const engine: ExpressionEngine = {
    evaluate(expression, input, variables) {
      const key = JSON.stringify(['jq', expression, input ?? null, variables]);
      const result = known.get(key) as EvaluateResult | undefined;
      if (result === undefined) throw new ValueNeeded(key, () => remotes.evaluate({ expression, input: input ?? null, variables }));
      if (!result.ok) throw new ExpressionError(result.kind, expression, result.message);
      // A fresh copy each time, as jq gives: the interpreter may keep the value in its state.
      return result.value === undefined ? null : (JSON.parse(JSON.stringify(result.value)) as unknown);
    },
    // Documents are compiled against real jq when the configuration loads; nothing to check here.
    check: () => undefined,
  };
  const schemas: SchemaValidator = (schema, value, what) => {
    const key = JSON.stringify(['schema', schema ?? null, value ?? null, what]);
    const result = known.get(key) as CheckSchemaResult | undefined;
    if (result === undefined) throw new ValueNeeded(key, () => remotes.checkSchema({ schema: schema ?? null, value: value ?? null, what }));
    return result;
  };
  for (;;) {
    try {
      return step(engine, schemas);
    } catch (err) {
      if (!(err instanceof ValueNeeded)) throw err;
      known.set(err.key, await err.fetch());
    }
  }
}
