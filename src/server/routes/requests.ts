import { InvalidInput, requestStatusSchema, type RequestStatus } from '../../core/index.js';
import { route } from '../api/route.js';
import {
  closeReviewBodySchema,
  createRequestBodySchema,
  extendRequestBodySchema,
  reviewListQuerySchema,
  reviewListSchema,
  reviewViewSchema,
  decisionBodySchema,
  eventBodySchema,
  getRequestQuerySchema,
  listRequestsQuerySchema,
  requestListSchema,
  requestViewSchema,
  revokeBodySchema,
} from '../api/schemas.js';
import type { Context } from 'hono';
import type { DecisionChannel } from '../../store/index.js';
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
      method: 'post',
      path: '/api/v1/requests/{id}/extend',
      summary: 'Ask for more time on your active lease: an extension request, through the role\'s approvals unless it has extend_without_approval',
      tag: 'requests',
      auth: true,
      body: extendRequestBodySchema,
      response: requestViewSchema,
      status: 201,
      errors: [403, 404, 409],
      handler: ({ params, body, identity }) => requests.extend(identity, params.id as string, body),
    }),
    route({
      method: 'get',
      path: '/api/v1/approvals',
      summary: 'Requests you may approve now (pending, at a stage you approve, not yours, not decided by you)',
      tag: 'requests',
      auth: true,
      response: requestListSchema,
      handler: async ({ identity }) => ({ requests: await requests.approvable(identity) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/reviews',
      summary: 'Break-glass reviews, open and closed (administrators)',
      tag: 'requests',
      auth: true,
      query: reviewListQuerySchema,
      response: reviewListSchema,
      errors: [403],
      handler: async ({ query, identity }) => ({ reviews: await requests.reviews(identity, query.status ?? 'all') }),
    }),
    route({
      method: 'post',
      path: '/api/v1/reviews/{id}/close',
      summary: 'Close a break-glass review with a comment (administrators; not the requester)',
      tag: 'requests',
      auth: true,
      body: closeReviewBodySchema,
      response: reviewViewSchema,
      errors: [403, 404, 409],
      handler: ({ params, body, identity }) => requests.closeReview(identity, params.id as string, body.comment),
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
      handler: ({ params, body, identity, c }) => requests.decide(identity, params.id as string, true, body.reason, channelOf(c)),
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
      handler: ({ params, body, identity, c }) => requests.decide(identity, params.id as string, false, body.reason, channelOf(c)),
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

/**
 * Where a decision on the API came from, for the audit: `cli` when the lease CLI says so
 * (X-Lease-Client: cli); `web` when the caller was authenticated by the web session cookie (no
 * bearer header: the web app, whose unsafe requests also passed the CSRF check); else `api`.
 * Only a label: the approver is always the session's identity.
 */
function channelOf(c: Context): DecisionChannel {
  if (c.req.header('x-lease-client') === 'cli') return 'cli';
  return c.req.header('authorization') === undefined ? 'web' : 'api';
}
