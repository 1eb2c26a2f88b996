// References between entries. A role naming a workflow or a local role that does not exist is
// an error: the role could never run as written. A role naming a provider that is not defined
// is only a warning, because Thand's own examples ship roles for providers a deployment may not
// configure; such a provider simply cannot be requested.
import { asksForApproval } from './approval-steps.js';
import type { IssueLog, PathSegment } from './issues.js';
import type { MergedConfig } from './merge.js';
import { roleReferences } from './role-references.js';

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
  }
}
