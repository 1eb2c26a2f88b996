// One load-time check per task kind, and the checks of `use`. Paths name the field at fault,
// e.g. `do/2/wait/listen/to/any/0/with/type`.
import { isBuiltinCall, isProviderCall, PROVIDER_CALLS } from '../calls/names.js';
import {
  checkCondition,
  checkDuration,
  checkExpressions,
  checkIdentifier,
  checkThen,
  isObject,
  report,
  reportUnresolved,
  warn,
  useSection,
  withScope,
  type Checker,
  type Obj,
} from './checker.js';
import { callName, DSL_CALLS, type SupportedTaskKind } from './task-kind.js';

type ListCheck = (c: Checker, list: unknown, path: string, options?: { branches?: boolean }) => void;
type TaskCheck = (c: Checker, task: Obj, path: string, siblings: string[], checkList: ListCheck) => void;

export const TASK_CHECKS: Record<SupportedTaskKind, TaskCheck> = {
  call: checkCall,
  set: (c, task, path) => {
    if (!isObject(task.set) && typeof task.set !== 'string') report(c, `${path}/set`, 'must be an object or a runtime expression');
    checkExpressions(c, task.set, `${path}/set`);
  },
  switch: checkSwitch,
  wait: (c, task, path) => checkDuration(c, task.wait, `${path}/wait`),
  raise: checkRaise,
  listen: checkListen,
  emit: checkEmit,
  for: checkFor,
  fork: checkFork,
  try: checkTry,
  do: (c, task, path, _siblings, checkList) => checkList(c, task.do, `${path}/do`),
};

const KNOWN_CALLS = `lease.validate, lease.approvals, lease.authorize, lease.revoke, lease.notify, lease.monitor (thand.* aliases), ${PROVIDER_CALLS.join(', ')}, http, or a function in use.functions`;

/** A call names a built-in access call, `http`, or a function declared in `use.functions`; `with` may hold expressions. */
function checkCall(c: Checker, task: Obj, path: string, siblings: string[]): void {
  const key = typeof task.thand === 'string' ? 'thand' : typeof task.lease === 'string' ? 'lease' : 'call';
  const name = callName(task);
  if (name === undefined) {
    report(c, `${path}/${key}`, 'must be a call name');
  } else if (!isKnownCall(c, name)) {
    reportUnresolved(c, `${path}/${key}`, `unknown call "${String(task[key])}" (known: ${KNOWN_CALLS})`);
  }
  if (task.with !== undefined && !isObject(task.with)) report(c, `${path}/with`, 'must be an object');
  checkExpressions(c, task.with, `${path}/with`);
  const args = isObject(task.with) ? task.with : {};
  if (name === 'lease.authorize' && typeof args.revocation === 'string' && !args.revocation.includes('${') && !c.taskNames.has(args.revocation)) {
    report(c, `${path}/with/revocation`, `no task named "${args.revocation}" in this workflow`);
  }
  if (name === 'lease.approvals' || name === 'lease.monitor') {
    if (args.timeout !== undefined) checkDuration(c, args.timeout, `${path}/with/timeout`);
  }
  if (name === 'lease.approvals') {
    // `approvals: N` is Thand's spelling of `count`.
    for (const key of ['count', 'approvals'] as const) {
      if (args[key] !== undefined && !(typeof args[key] === 'number' && Number.isInteger(args[key]) && args[key] > 0) && !isExpressionText(args[key])) {
        report(c, `${path}/with/${key}`, 'must be a whole number ≥ 1');
      }
    }
    if (args.count !== undefined && args.approvals !== undefined) report(c, `${path}/with/approvals`, 'is Thand\'s spelling of count: give only one');
    if (args.selfApprove !== undefined && args.selfApprove !== false) {
      warn(c, `${path}/with/selfApprove`, 'is ignored: nobody approves their own request in Lease');
    }
    // Thand's `on: {approved, denied}`: where the flow goes after the decision.
    if (task.on !== undefined) {
      if (!isObject(task.on)) report(c, `${path}/on`, 'must be {approved?, denied?}');
      else {
        for (const key of Object.keys(task.on)) if (key !== 'approved' && key !== 'denied') report(c, `${path}/on/${key}`, 'unknown key (expected approved or denied)');
        checkThen(c, task.on.approved, `${path}/on/approved`, siblings);
        checkThen(c, task.on.denied, `${path}/on/denied`, siblings);
      }
    }
    if (args.on_timeout !== undefined) {
      if (args.timeout === undefined) report(c, `${path}/with/on_timeout`, 'needs with.timeout');
      checkThen(c, args.on_timeout, `${path}/with/on_timeout`, siblings);
    }
  }
  if (name !== undefined && isBuiltinCall(name) && args.notifiers !== undefined) {
    warn(c, `${path}/with/notifiers`, `are not sent by ${name} in Lease: notify with a lease.notify task instead`);
  }
  if (name === 'http') {
    if (typeof args.method !== 'string') report(c, `${path}/with/method`, 'is required (get, post, ...)');
    const endpoint = isObject(args.endpoint) ? args.endpoint.uri : args.endpoint;
    if (typeof endpoint !== 'string') report(c, `${path}/with/endpoint`, 'is required: a URI or {uri}');
  }
}

function isKnownCall(c: Checker, name: string): boolean {
  return isBuiltinCall(name) || isProviderCall(name) || (DSL_CALLS as readonly string[]).includes(name) || Object.hasOwn(useSection(c, 'functions'), name);
}

/** Cases are `- <name>: {when?, then}`; a case without `when` is the default. */
function checkSwitch(c: Checker, task: Obj, path: string, siblings: string[]): void {
  if (!Array.isArray(task.switch) || task.switch.length === 0) {
    report(c, `${path}/switch`, 'must be a non-empty list of cases (`- <name>: {when, then}`)');
    return;
  }
  task.switch.forEach((entry, i) => {
    const keys = isObject(entry) ? Object.keys(entry) : [];
    const body = keys.length === 1 ? (entry as Obj)[keys[0] as string] : undefined;
    if (!isObject(body)) {
      report(c, `${path}/switch/${i}`, 'a case must be `- <name>: {when, then}`');
      return;
    }
    const casePath = `${path}/switch/${i}/${keys[0] as string}`;
    if (body.when !== undefined) checkCondition(c, body.when, `${casePath}/when`);
    if (body.then === undefined) report(c, `${casePath}/then`, 'is required');
    checkThen(c, body.then, `${casePath}/then`, siblings);
  });
}

/** `raise.error` is `{type, status, title?, detail?}` or the name of an error in `use.errors`. */
function checkRaise(c: Checker, task: Obj, path: string): void {
  const raise = task.raise;
  const error = isObject(raise) ? raise.error : undefined;
  if (typeof error === 'string') {
    if (!Object.hasOwn(useSection(c, 'errors'), error)) report(c, `${path}/raise/error`, `no error named "${error}" in use.errors`);
    return;
  }
  checkError(c, error, `${path}/raise/error`);
}

function checkError(c: Checker, error: unknown, path: string): void {
  if (!isObject(error)) {
    report(c, path, 'must be {type, status, title?, detail?} or the name of an error in use.errors');
    return;
  }
  if (typeof error.type !== 'string' || error.type === '') report(c, `${path}/type`, 'must be a non-empty string (a URI)');
  if (typeof error.status !== 'number' && !isExpressionText(error.status)) report(c, `${path}/status`, 'must be a number');
  checkExpressions(c, error, path);
}

/** `listen.to` is `{one: filter}`, `{any: [filters], until?}` or `{all: [filters]}`. */
function checkListen(c: Checker, task: Obj, path: string): void {
  const listen = task.listen;
  if (!isObject(listen)) {
    report(c, `${path}/listen`, 'must be {to: {one | any | all}}');
    return;
  }
  checkStrategy(c, listen.to, `${path}/listen/to`, true);
  if (listen.read !== undefined && !['data', 'envelope', 'raw'].includes(String(listen.read))) report(c, `${path}/listen/read`, 'must be data, envelope or raw');
}

function checkStrategy(c: Checker, to: unknown, path: string, allowUntil: boolean): void {
  const modes = isObject(to) ? (['one', 'any', 'all'] as const).filter((m) => to[m] !== undefined) : [];
  if (!isObject(to) || modes.length !== 1) {
    report(c, path, 'must have exactly one of one, any, all');
    return;
  }
  const mode = modes[0] as 'one' | 'any' | 'all';
  if (mode === 'one') checkFilter(c, to.one, `${path}/one`);
  else if (!Array.isArray(to[mode])) report(c, `${path}/${mode}`, 'must be a list of event filters');
  else if (mode === 'all' && (to.all as unknown[]).length === 0) report(c, `${path}/all`, 'must not be empty');
  else (to[mode] as unknown[]).forEach((f, i) => checkFilter(c, f, `${path}/${mode}/${i}`));
  if (to.until !== undefined) {
    if (mode !== 'any' || !allowUntil) report(c, `${path}/until`, 'is only allowed with any');
    else if (isObject(to.until)) checkStrategy(c, to.until, `${path}/until`, false);
    else checkCondition(c, to.until, `${path}/until`);
  }
}

function checkFilter(c: Checker, filter: unknown, path: string): void {
  if (!isObject(filter) || !isObject(filter.with)) {
    report(c, path, 'an event filter must be {with: {type, source, data, ...}}');
    return;
  }
  checkExpressions(c, filter.with, `${path}/with`);
}

/** `emit.event.with` holds the event's attributes; `type` is required. */
function checkEmit(c: Checker, task: Obj, path: string): void {
  const event = isObject(task.emit) ? task.emit.event : undefined;
  const attributes = isObject(event) ? event.with : undefined;
  if (!isObject(attributes)) {
    report(c, `${path}/emit/event/with`, 'must be the event attributes {type, source?, data?, ...}');
    return;
  }
  if (typeof attributes.type !== 'string' || attributes.type === '') report(c, `${path}/emit/event/with/type`, 'is required');
  checkExpressions(c, attributes, `${path}/emit/event/with`);
}

/** `for: {each?, in, at?}`, `while?`, `do`. */
function checkFor(c: Checker, task: Obj, path: string, _siblings: string[], checkList: ListCheck): void {
  if (!isObject(task.for)) {
    report(c, `${path}/for`, 'must be {each, in, at}');
  } else {
    if (typeof task.for.in !== 'string' || !task.for.in.includes('${')) report(c, `${path}/for/in`, 'must be a runtime expression giving an array');
    else checkExpressions(c, task.for.in, `${path}/for/in`);
    checkIdentifier(c, task.for.each, `${path}/for/each`);
    checkIdentifier(c, task.for.at, `${path}/for/at`);
  }
  const spec = isObject(task.for) ? task.for : {};
  withScope(c, [spec.each ?? 'item', spec.at ?? 'index'], () => {
    if (task.while !== undefined) checkCondition(c, task.while, `${path}/while`);
    checkList(c, task.do, `${path}/do`);
  });
}

/** `fork: {branches: [tasks], compete?}`. */
function checkFork(c: Checker, task: Obj, path: string, _siblings: string[], checkList: ListCheck): void {
  if (!isObject(task.fork)) {
    report(c, `${path}/fork`, 'must be {branches: [tasks], compete?}');
    return;
  }
  if (task.fork.compete !== undefined && typeof task.fork.compete !== 'boolean') report(c, `${path}/fork/compete`, 'must be true or false');
  checkList(c, task.fork.branches, `${path}/fork/branches`, { branches: true });
}

/** `try: [tasks]`, `catch: {errors: {with}, as, when, exceptWhen, retry, do}`. */
function checkTry(c: Checker, task: Obj, path: string, _siblings: string[], checkList: ListCheck): void {
  checkList(c, task.try, `${path}/try`);
  const spec = task.catch;
  if (!isObject(spec)) {
    report(c, `${path}/catch`, 'is required: {errors, as, when, exceptWhen, retry, do}');
    return;
  }
  if (spec.errors !== undefined && !(isObject(spec.errors) && (spec.errors.with === undefined || isObject(spec.errors.with)))) {
    report(c, `${path}/catch/errors`, 'must be {with: {type, status, ...}}');
  }
  checkIdentifier(c, spec.as, `${path}/catch/as`);
  withScope(c, [spec.as ?? 'error'], () => {
    if (spec.when !== undefined) checkCondition(c, spec.when, `${path}/catch/when`);
    if (spec.exceptWhen !== undefined) checkCondition(c, spec.exceptWhen, `${path}/catch/exceptWhen`);
    if (typeof spec.retry === 'string') {
      if (!Object.hasOwn(useSection(c, 'retries'), spec.retry)) report(c, `${path}/catch/retry`, `no retry policy named "${spec.retry}" in use.retries`);
    } else if (spec.retry !== undefined) {
      checkRetryPolicy(c, spec.retry, `${path}/catch/retry`);
    }
    if (spec.do !== undefined) checkList(c, spec.do, `${path}/catch/do`);
  });
}

/** A retry policy needs a limit (attempts or duration): retrying forever is refused. */
function checkRetryPolicy(c: Checker, policy: unknown, path: string): void {
  if (!isObject(policy)) {
    report(c, path, 'must be a retry policy {delay, backoff, limit} or the name of one in use.retries');
    return;
  }
  if (policy.delay !== undefined) checkDuration(c, policy.delay, `${path}/delay`);
  if (policy.backoff !== undefined) {
    const kinds = isObject(policy.backoff) ? Object.keys(policy.backoff) : [];
    if (kinds.length !== 1 || !['constant', 'linear', 'exponential'].includes(kinds[0] as string)) report(c, `${path}/backoff`, 'must be one of {constant: {}}, {linear: {}}, {exponential: {}}');
  }
  const limit = policy.limit;
  const count = isObject(limit) && isObject(limit.attempt) ? limit.attempt.count : undefined;
  const duration = isObject(limit) ? limit.duration : undefined;
  if (count === undefined && duration === undefined) report(c, `${path}/limit`, 'is required: {attempt: {count}} and/or {duration}');
  if (count !== undefined && !(typeof count === 'number' && Number.isInteger(count) && count >= 0)) report(c, `${path}/limit/attempt/count`, 'must be a whole number ≥ 0');
  if (duration !== undefined) checkDuration(c, duration, `${path}/limit/duration`);
  if (policy.when !== undefined) checkCondition(c, policy.when, `${path}/when`);
  if (policy.exceptWhen !== undefined) checkCondition(c, policy.exceptWhen, `${path}/exceptWhen`);
}

/** `use`: functions (call tasks), errors, retries, timeouts, secrets (names only). */
export function checkUse(c: Checker): void {
  const use = c.doc.use;
  if (use === undefined) return;
  if (!isObject(use)) {
    report(c, 'use', 'must be an object');
    return;
  }
  for (const section of ['functions', 'errors', 'retries', 'timeouts'] as const) {
    if (use[section] !== undefined && !isObject(use[section])) report(c, `use/${section}`, 'must be a map of name → definition');
  }
  for (const [name, fn] of Object.entries(useSection(c, 'functions'))) {
    const target = isObject(fn) ? fn.call : undefined;
    if (typeof target !== 'string') report(c, `use/functions/${name}`, 'must be a call task {call, with?}');
    else if (target === name || !(isBuiltinCall(target) || isProviderCall(target) || (DSL_CALLS as readonly string[]).includes(target) || Object.hasOwn(useSection(c, 'functions'), target))) {
      reportUnresolved(c, `use/functions/${name}/call`, `unknown call "${target}" (known: ${KNOWN_CALLS})`);
    }
    if (isObject(fn)) checkExpressions(c, fn.with, `use/functions/${name}/with`);
  }
  for (const [name, error] of Object.entries(useSection(c, 'errors'))) checkError(c, error, `use/errors/${name}`);
  for (const [name, policy] of Object.entries(useSection(c, 'retries'))) checkRetryPolicy(c, policy, `use/retries/${name}`);
  for (const [name, timeout] of Object.entries(useSection(c, 'timeouts'))) {
    if (!isObject(timeout) || timeout.after === undefined) report(c, `use/timeouts/${name}`, 'must be {after: <duration>}');
    else checkDuration(c, timeout.after, `use/timeouts/${name}/after`);
  }
  const secrets = use.secrets;
  if (secrets !== undefined && !(Array.isArray(secrets) && secrets.every((s) => typeof s === 'string'))) report(c, 'use/secrets', 'must be a list of secret names');
}

function isExpressionText(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}
