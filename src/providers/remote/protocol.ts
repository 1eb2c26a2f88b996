// The wire between the server and a host agent (`lease agent --host <id>`): what a task looks
// like when the host fetches it, and what the host answers. zod schemas, checked on both sides.
import { z } from 'zod';
import { identitySchema, queryNumber } from '../../core/index.js';

/** A host id: a name an admin picks (`laptop-42`), safe in URLs, logs and task-queue names. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const CREDENTIAL_SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;

/** Longest a host may hold a task it fetched without answering before it is handed out again. */
export const TASK_CLAIM_MS = 60_000;
/** Longest a fetch waits for work (the long poll), in seconds. */
export const MAX_POLL_WAIT_S = 30;

const grantRoleSchema = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z.object({ allow: z.array(z.string()), deny: z.array(z.string()) }),
  resources: z.object({ allow: z.array(z.string()), deny: z.array(z.string()) }),
  nativeRoles: z.array(z.string()),
});

export const grantRecordSchema = z.object({
  provider: z.string().min(1),
  requestId: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

const common = {
  id: z.string().min(1),
  attempt: z.number().int().positive(),
  provider: z.string().min(1),
  /** The provider type the host must run it with (only `sudo` today). */
  type: z.string().min(1),
  /** The provider's settings from the server's config (for sudo: accounts, run_as, nopasswd). */
  settings: z.record(z.string(), z.unknown()),
};

/** One task as `GET /api/v1/agents/{host}/tasks` hands it out. */
export const hostTaskSchema = z.discriminatedUnion('kind', [
  z.object({
    ...common,
    kind: z.literal('grant'),
    input: z.object({ requestId: z.string().min(1), identity: identitySchema, role: grantRoleSchema, expiresAt: z.string().min(1) }),
  }),
  z.object({ ...common, kind: z.literal('revoke'), record: grantRecordSchema }),
  z.object({ ...common, kind: z.literal('list') }),
]);
export type HostTask = z.infer<typeof hostTaskSchema>;

export const hostTaskListSchema = z.object({ tasks: z.array(hostTaskSchema) });

export const pollQuerySchema = z.object({
  /** Seconds to wait for a task when none is pending (long poll); 0 answers at once. */
  wait: queryNumber(z.number().int().min(0).max(MAX_POLL_WAIT_S)).optional(),
  /** `true`: the agent holds no task (first fetch after a start or a reconnection). */
  fresh: z.enum(['true', 'false']).optional(),
});

/** What the host answers for one task (`POST /api/v1/agents/{host}/tasks/{id}/result`). */
export const taskResultSchema = z.discriminatedUnion('outcome', [
  z.object({ attempt: z.number().int().positive(), outcome: z.literal('done'), result: z.unknown() }),
  z.object({
    attempt: z.number().int().positive(),
    outcome: z.literal('failed'),
    error: z.object({ code: z.string().min(1).max(100), message: z.string().max(2_000), status: z.number().int().min(400).max(599) }),
  }),
]);
export type TaskResult = z.infer<typeof taskResultSchema>;

export const taskResultAckSchema = z.object({ accepted: z.boolean() });

/** A listActive answer: the grants the host says are present. */
export const activeGrantListSchema = z.array(grantRecordSchema);
