// References between entries. A role naming a workflow or a local role that does not exist is
// an error: the role could never run as written. A role naming a provider that is not defined
// is only a warning, because Thand's own examples ship roles for providers a deployment may not
// configure; such a provider simply cannot be requested.
import { asksForApproval } from './approval-steps.js';
import type { IssueLog, PathSegment } from './issues.js';
import type { MergedConfig } from './merge.js';
import { isPlainObject } from './plain-object.js';
import { roleReferences } from './role-references.js';

/** The provider types that say who is on call (approvals.auto_approve_on_call). */
const ON_CALL_TYPES = ['pagerduty', 'opsgenie'];

/** An `inherits` entry with a colon (`iam:admin`) names a role that exists on the target. */
export function isNativeRoleReference(entry: string): boolean {
  return entry.includes(':');
}

export function checkCrossReferences(config: MergedConfig, log: IssueLog): void {
  for (const [id, entry] of config.roles) {
    const { file } = entry;
    const refs = roleReferences(entry);
    if (refs.workflow !== undefined && !config.workflows.has(refs.workflow)) {
      log.error(file, ['roles', id, 'workflow'], `unknown workflow "${refs.workflow}"`);
    }
    refs.workflows.forEach((workflow, i) => {
      if (!config.workflows.has(workflow)) log.error(file, ['roles', id, 'workflows', i], `unknown workflow "${workflow}"`);
    });
    const onCall = entry.value?.approvals?.auto_approve_on_call;
    if (onCall !== undefined) {
      const type = config.providers.get(onCall.provider)?.value?.provider;
      if (type === undefined || !ON_CALL_TYPES.includes(type)) {
        const found = config.providers.has(onCall.provider) ? `is of type "${type ?? '?'}"` : 'is not defined';
        log.error(file, ['roles', id, 'approvals', 'auto_approve_on_call', 'provider'], `provider "${onCall.provider}" ${found}: name a provider of type ${ON_CALL_TYPES.join(' or ')}`);
      }
    }
    if (entry.value?.approvals !== undefined) {
      const named: Array<[string, PathSegment[]]> = [
        ...(refs.workflow === undefined ? [] : [[refs.workflow, ['roles', id, 'workflow']] as [string, PathSegment[]]]),
        ...refs.workflows.map((workflow, i): [string, PathSegment[]] => [workflow, ['roles', id, 'workflows', i]]),
      ];
      for (const [workflow, path] of named) {
        const document = config.workflows.get(workflow)?.value?.workflow;
        if (document !== undefined && !asksForApproval(document)) {
          log.warn(file, path, `workflow "${workflow}" never asks for approval, yet the role names approvers: its requests are refused at the grant unless approved`);
        }
      }
    }
    refs.inherits.forEach((parent, i) => {
      if (!isNativeRoleReference(parent) && !config.roles.has(parent)) {
        log.error(file, ['roles', id, 'inherits', i], `unknown role "${parent}" (a role that exists on the target is written <provider>:<role>)`);
      }
    });
    refs.providers.forEach((provider, i) => {
      if (!config.providers.has(provider)) {
        log.warn(file, ['roles', id, 'providers', i], `provider "${provider}" is not defined; the role cannot be granted on it`);
      }
    });
    refs.authenticators.forEach((provider, i) => {
      if (!config.providers.has(provider)) {
        log.warn(file, ['roles', id, 'authenticators', i], `identity provider "${provider}" is not defined; nobody can log in with it`);
      }
    });
  }
  for (const [id, { file, value: workflow }] of config.workflows) {
    const authentication = workflow?.authentication;
    if (authentication !== undefined && authentication !== 'default' && !config.providers.has(authentication)) {
      log.warn(file, ['workflows', id, 'authentication'], `identity provider "${authentication}" is not defined`);
    }
    if (workflow === undefined) continue;
    // Thand's own examples name a `slack` provider they never declare: a warning, as for roles.
    for (const use of providersNamedByCalls(workflow.workflow, ['workflows', id, 'workflow'])) {
      if (!config.providers.has(use.provider)) {
        log.warn(file, use.path, `${use.call} names provider "${use.provider}", which is not defined: the call cannot reach it`);
      }
    }
  }
}

/** Every `provider: <id>` written literally in the `with` of a call task, at any depth of the document. */
function providersNamedByCalls(node: unknown, path: PathSegment[]): Array<{ call: string; provider: string; path: PathSegment[] }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => providersNamedByCalls(item, [...path, i]));
  if (!isPlainObject(node)) return [];
  const call = typeof node.call === 'string' ? node.call : typeof node.thand === 'string' ? `thand.${node.thand}` : typeof node.lease === 'string' ? `lease.${node.lease}` : undefined;
  const named = call === undefined ? [] : literalProviders(node.with, [...path, 'with']).map((use) => ({ call, ...use }));
  const nested = Object.entries(node)
    .filter(([key]) => call === undefined || key !== 'with')
    .flatMap(([key, value]) => providersNamedByCalls(value, [...path, key]));
  return [...named, ...nested];
}

function literalProviders(node: unknown, path: PathSegment[]): Array<{ provider: string; path: PathSegment[] }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => literalProviders(item, [...path, i]));
  if (!isPlainObject(node)) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'provider' && typeof value === 'string' && !value.includes('${') ? [{ provider: value, path: [...path, key] }] : literalProviders(value, [...path, key]),
  );
}
