// A Temporal worker as a separate process, for the crash test (crash.test.ts): the real
// built-in calls against the SQLite store in $LEASE_TEST_WORKER.dataDir, a sudo provider writing
// to a temp sudoers directory, and the server's RequestService as the StepObserver. Every
// provider grant and revoke is appended to `countFile`, so the test can count executions.
// Prints `ready` once polling. Test support only; `lease worker` is wired by the CLI.
import { appendFile } from 'node:fs/promises';
import { createLogger, systemClock } from '../../../core/index.js';
import type { LoadedConfig } from '../../../config/index.js';
import { SudoAccessProvider, sudoConfigSchema, type AccessProvider, type GrantRole } from '../../../providers/index.js';
import { RequestService } from '../../../server/services/requests.js';
import { openSqliteStore } from '../../../store/index.js';
import { createBuiltinCalls } from '../../calls/index.js';
import { createJqEngine } from '../../expressions/index.js';
import { PayloadKeys, payloadKeyFile } from './payload-keys.js';
import { runWorker } from './worker.js';

export interface TestWorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  dataDir: string;
  sudoersDir: string;
  countFile: string;
  bundlePath: string;
  /** After a grant took effect, hold the activity this long before answering (a worker that dies mid-call). */
  holdAfterGrantMs?: number;
}

export const TEST_ROLE: GrantRole = {
  id: 'ops',
  name: 'Ops',
  permissions: { allow: ['/usr/bin/id'], deny: [] },
  resources: { allow: [], deny: [] },
  nativeRoles: [],
};

const config = JSON.parse(process.env.LEASE_TEST_WORKER ?? '{}') as TestWorkerConfig;
const logger = createLogger({ level: process.env.LEASE_LOG_LEVEL ?? 'warn', name: 'test-worker' });
const store = await openSqliteStore({ file: `${config.dataDir}/lease.db` });
const sudo = new SudoAccessProvider('host-sudo', sudoConfigSchema.parse({ sudoers_dir: config.sudoersDir, visudo: false }));
const counted: AccessProvider = Object.assign(Object.create(sudo) as AccessProvider, {
  grant: async (input: Parameters<AccessProvider['grant']>[0]) => {
    await appendFile(config.countFile, `grant ${input.requestId} ${process.pid}\n`);
    const record = await sudo.grant(input);
    if (config.holdAfterGrantMs) {
      await appendFile(config.countFile, `holding ${input.requestId} ${process.pid}\n`);
      await new Promise((resolve) => setTimeout(resolve, config.holdAfterGrantMs));
    }
    return record;
  },
  revoke: async (record: Parameters<AccessProvider['revoke']>[0]) => {
    await appendFile(config.countFile, `revoke ${record.requestId} ${process.pid}\n`);
    return sudo.revoke(record);
  },
});
const calls = createBuiltinCalls({
  store,
  clock: systemClock,
  logger,
  directory: { validate: () => undefined, checkApprovals: () => Promise.resolve(), checkExtension: () => undefined, signal: () => Promise.reject(new Error('no signals in this test')), notifier: () => undefined, accessProvider: (id) => (id === 'host-sudo' ? counted : undefined), grantRole: (id) => (id === 'ops' ? TEST_ROLE : undefined) },
});
// afterStep needs only the store and the clock of RequestService's dependencies.
const observer = new RequestService({ store, clock: systemClock, logger, config: {} as LoadedConfig, providers: new Map(), access: { isAdmin: () => false } });
const worker = await runWorker({
  settings: { address: config.address, namespace: config.namespace, taskQueue: config.taskQueue },
  keys: await PayloadKeys.load(payloadKeyFile(config.dataDir), { create: false }),
  deps: { store, calls, expressions: await createJqEngine(), logger, observer },
  stickyQueueTimeout: '1s',
  bundlePath: config.bundlePath,
  identity: `test-worker-${process.pid}`,
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => void worker.stop().then(() => store.close()));
await worker.done;
