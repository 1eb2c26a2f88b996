// Slack's interaction callback (the app's Interactivity Request URL). Not authenticated by a
// session: by Slack's signature over the raw body, checked in the service before anything is
// parsed. Thin: hand the raw request to SlackApprovals, answer Slack at once, and do the
// follow-up (chat.update, an ephemeral refusal) after the answer, best-effort.
import { z } from 'zod';
import type { Logger } from '../../core/index.js';
import { route } from '../api/route.js';
import type { ClientAddressOf } from '../client-address.js';
import type { SlackApprovals } from '../services/slack-approvals.js';

const interactionFormSchema = z
  .object({ payload: z.string().min(1).describe('the interaction as JSON (type block_actions: user, team, actions, container)') })
  .describe('Slack interaction payload, signed: X-Slack-Request-Timestamp and X-Slack-Signature (v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">)');

const interactionAckSchema = z
  .object({
    response_type: z.literal('ephemeral').optional(),
    replace_original: z.boolean().optional(),
    text: z.string().optional().describe('what only the clicking user sees: the decision, or why nothing was decided'),
  })
  .meta({ id: 'SlackInteractionAck' });

/** `clientAddress`: the caller's address (client-address.ts), for the budget of refused callbacks. */
export function slackRoutes(approvals: () => SlackApprovals | undefined, logger: Logger, clientAddress: ClientAddressOf) {
  return [
    route({
      method: 'post',
      path: '/api/v1/integrations/slack/interactions',
      summary: 'Slack interaction callback: an Approve / Deny click on a Lease approval message, or an Extend click on a requester\'s direct message, as the clicking user (by e-mail)',
      tag: 'integrations',
      auth: false,
      form: interactionFormSchema,
      response: interactionAckSchema,
      errors: [400, 401, 409, 429],
      handler: async ({ c }) => {
        const rawBody = await c.req.text();
        const service = approvals();
        if (!service) {
          return c.json({ error: { code: 'invalid_signature', message: 'no slack provider is configured to accept interactions' } }, 401);
        }
        const result = await service.handle({
          rawBody,
          contentType: c.req.header('content-type'),
          timestamp: c.req.header('x-slack-request-timestamp'),
          signature: c.req.header('x-slack-signature'),
        }, clientAddress(c));
        if (result.after) {
          const after = result.after;
          // After Slack has its answer (it waits 3 s at most): a failure leaves the message as it was, logged.
          setImmediate(() => {
            after().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'slack: follow-up after an interaction failed'));
          });
        }
        return result.ack;
      },
    }),
  ];
}
