import { InvalidInput, requestStatusSchema, type RequestStatus } from '../../core/index.js';
import { route } from '../api/route.js';
import {
  createRequestBodySchema,
  decisionBodySchema,
  eventBodySchema,
  getRequestQuerySchema,
  listRequestsQuerySchema,
  requestListSchema,
  requestViewSchema,
  revokeBodySchema,
} from '../api/schemas.js';
import type { RequestService } from '../services/requests.js';

export function requestRoutes(requests: RequestService) {
  return [
    route({
      method: 'post',
      path: '/api/v1/requests',
      summary: 'Ask for a role on a provider, for a duration and a reason',
      tag: 'requests',
      auth: true,
      body: createRequestBodySchema,
      response: requestViewSchema,
      status: 201,
      errors: [403, 404],
      handler: ({ body, identity }) => requests.create(identity, body),
    }),
    route({
      method: 'get',
      path: '/api/v1/requests',
      summary: 'List your requests (admins: everyone\'s with all=true)',
      tag: 'requests',
      auth: true,
      query: listRequestsQuerySchema,
      response: requestListSchema,
      errors: [403],
      handler: async ({ query, identity }) => ({
        requests: await requests.list(identity, {
          ...(query.status ? { status: parseStatuses(query.status) } : {}),
          all: query.all === 'true',
          ...(query.limit ? { limit: query.limit } : {}),
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/api/v1/requests/{id}',
      summary: 'One request and its status; with `until`, waits for one of those statuses',
      tag: 'requests',
      auth: true,
      query: getRequestQuerySchema,
      response: requestViewSchema,
      errors: [404],
      handler: ({ params, query, identity }) =>
        query.until
          ? requests.waitFor(identity, params.id as string, parseStatuses(query.until), (query.timeout ?? 30) * 1000)
          : requests.get(identity, params.id as string),
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/revoke',
      summary: 'Revoke a request now (before it is granted, or while active)',
      tag: 'requests',
      auth: true,
      body: revokeBodySchema,
      response: requestViewSchema,
      status: 202,
      errors: [404, 409],
      handler: ({ params, body, identity }) => requests.revoke(identity, params.id as string, body.reason),
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/approve',
      summary: 'Approve a request awaiting approval (approvers; never your own)',
      tag: 'requests',
      auth: true,
      body: decisionBodySchema,
      response: requestViewSchema,
      status: 202,
      errors: [403, 404, 409],
      handler: ({ params, body, identity }) => requests.decide(identity, params.id as string, true, body.reason),
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/deny',
      summary: 'Deny a request awaiting approval (approvers; never your own)',
      tag: 'requests',
      auth: true,
      body: decisionBodySchema,
      response: requestViewSchema,
      status: 202,
      errors: [403, 404, 409],
      handler: ({ params, body, identity }) => requests.decide(identity, params.id as string, false, body.reason),
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/events',
      summary: 'Deliver a CloudEvent to the request\'s workflow (administrators; its source is the caller; not approvals or revocations)',
      tag: 'requests',
      auth: true,
      body: eventBodySchema,
      response: requestViewSchema,
      status: 202,
      errors: [403, 404, 409],
      handler: ({ params, body, identity }) => requests.sendEvent(identity, params.id as string, body),
    }),
  ];
}

function parseStatuses(text: string): RequestStatus[] {
  return text.split(',').map((s) => {
    const parsed = requestStatusSchema.safeParse(s.trim());
    if (!parsed.success) throw new InvalidInput(`unknown status "${s.trim()}"`, 'status');
    return parsed.data;
  });
}
