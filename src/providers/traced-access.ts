// One span per provider call (grant, revoke, listActive), whoever makes it: a workflow's
// lease.authorize / lease.revoke, the reconciler. Attributes name the provider, the operation
// and the request; a failure is recorded by its error code only (a target's error message can
// quote a credential).
import { tracer } from '../tracing/index.js';
import type { AccessProvider, ProviderInstance } from './provider.js';

type Operation = 'grant' | 'revoke' | 'list';

/** The instance with its access calls traced; everything else (credentials, console URLs) passes through. */
export function traceProviderCalls(instance: ProviderInstance): ProviderInstance {
  const access = instance.access;
  if (!access) return instance;
  const call = <T>(operation: Operation, requestId: string | undefined, run: () => Promise<T>): Promise<T> =>
    tracer().inSpan(
      `provider.${operation}`,
      {
        kind: 'client',
        attributes: {
          'lease.provider.id': instance.id,
          'lease.provider.type': instance.type,
          'lease.provider.operation': operation,
          'lease.request.id': requestId,
        },
      },
      run,
    );
  const traced: Partial<AccessProvider> = {
    grant: (input) => call('grant', input.requestId, () => access.grant(input)),
    revoke: (record) => call('revoke', record.requestId, () => access.revoke(record)),
    listActive: () => call('list', undefined, () => access.listActive()),
  };
  const tracedAccess = new Proxy(access, {
    get(target, property) {
      if (typeof property === 'string' && property in traced) return traced[property as keyof AccessProvider];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(instance, {
    get: (target, property) => (property === 'access' ? tracedAccess : Reflect.get(target, property, target)),
  });
}
