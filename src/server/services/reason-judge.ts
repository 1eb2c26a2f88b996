// lease.validate with `validator: llm`: the configured language model's verdict on whether a
// request's reason fits its role. The model is loaded on first use; any failure is reported as
// `unavailable`, so the workflow goes on with the static checks.
import type { LoadedConfig } from '../../config/index.js';
import type { LanguageModel, LanguageModelUnavailable } from '../../llm/index.js';
import type { ReasonJudge } from '../../workflow/calls/index.js';

export function reasonJudgeOf(config: LoadedConfig): ReasonJudge | undefined {
  const section = config.services?.llm;
  if (section === undefined) return undefined;
  let loaded: Promise<{ model: LanguageModel; Unavailable: typeof LanguageModelUnavailable }> | undefined;
  const load = () =>
    (loaded ??= Promise.all([import('../../llm/index.js'), import('../../config/schema/services.js')]).then(([llm, schema]) => ({
      model: new llm.LanguageModel(schema.llmServiceSchema.parse(section)),
      Unavailable: llm.LanguageModelUnavailable,
    })));
  return async (request) => {
    const role = config.roles.get(request.role);
    if (!role) return { unavailable: `role "${request.role}" is no longer configured` };
    const { model, Unavailable } = await load();
    try {
      const verdict = await model.judge(request.reason, { id: role.id, name: role.name, description: role.description, permissions: role.permissions.allow });
      return { ...verdict, model: model.label };
    } catch (err) {
      if (err instanceof Unavailable) return { unavailable: err.reason };
      throw err;
    }
  };
}
