// The host agents' channel (`lease agent --host <id>`): fetch tasks by long poll, answer them.
// Authenticated by the host's credential (providers/remote/credential.ts), not by a user session.
import { z } from 'zod';
import { HOST_ID_PATTERN, hostTaskListSchema, pollQuerySchema, taskResultAckSchema, taskResultSchema, type HostChannel } from '../../providers/index.js';
import { route } from '../api/route.js';

const DEFAULT_WAIT_S = 25;

const hostParams = z.object({ host: z.string().regex(HOST_ID_PATTERN).describe('the host id (lease agent --host)') });
const taskParams = hostParams.extend({ id: z.string().regex(/^task_[0-9a-z]{26}$/).describe('the task id') });

export function agentRoutes(hosts: HostChannel) {
  return [
    route({
      method: 'get',
      path: '/api/v1/agents/{host}/tasks',
      summary: 'Host agents: fetch the tasks to run on this host, waiting up to `wait` seconds for one (bearer: the host credential)',
      tag: 'agents',
      auth: false,
      params: hostParams,
      query: pollQuerySchema,
      response: hostTaskListSchema,
      credential: 'host',
      errors: [503],
      handler: async ({ params, query, c }) => {
        const host = params.host as string;
        hosts.authenticate(host, c.req.header('authorization'));
        return { tasks: await hosts.fetch(host, (query.wait ?? DEFAULT_WAIT_S) * 1000, { signal: c.req.raw.signal, fresh: query.fresh === 'true' }) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/agents/{host}/tasks/{id}/result',
      summary: 'Host agents: report the outcome of one task (bearer: the host credential)',
      tag: 'agents',
      auth: false,
      params: taskParams,
      body: taskResultSchema,
      response: taskResultAckSchema,
      credential: 'host',
      errors: [404],
      handler: async ({ params, body, c }) => {
        const host = params.host as string;
        hosts.authenticate(host, c.req.header('authorization'));
        return { accepted: await hosts.answer(host, params.id as string, body) };
      },
    }),
  ];
}
