// Thand's alternative spellings, rewritten to the one shape the rest of the loader reads:
// `policies:` is the older name of `workflows:`, and `providers:` may be a list of objects
// each with a `name`, keyed here by that name.
import type { IssueLog } from './issues.js';
import { isPlainObject } from './plain-object.js';
import type { YamlSource } from './yaml-source.js';

export function normaliseSections(data: Record<string, unknown>, source: YamlSource, log: IssueLog): Record<string, unknown> {
  const out = { ...data };
  if ('policies' in out) {
    if ('workflows' in out) {
      log.error(source.file, ['policies'], '"policies" is the older name of "workflows": give only one');
    } else {
      out.workflows = out.policies;
      source.renamePrefix(['workflows'], ['policies']);
    }
    delete out.policies;
  }
  if (Array.isArray(out.providers)) out.providers = keyProvidersByName(out.providers, source, log);
  return out;
}

function keyProvidersByName(list: unknown[], source: YamlSource, log: IssueLog): Record<string, unknown> {
  const byName: Record<string, unknown> = {};
  list.forEach((item, i) => {
    const name = isPlainObject(item) ? item.name : undefined;
    if (typeof name !== 'string' || name === '') {
      log.error(source.file, ['providers', i, 'name'], 'required: in a providers list, each provider needs a name (its id)');
    } else if (name in byName) {
      log.error(source.file, ['providers', i, 'name'], `provider "${name}" is listed twice`);
    } else {
      byName[name] = item;
      source.renamePrefix(['providers', name], ['providers', i]);
    }
  });
  return byName;
}
