// A contract server for Opsgenie's Who Is On Call API — nothing real runs here (Opsgenie is a
// cloud service only). It follows the published reference (docs.opsgenie.com, "Who is On Call
// API", GET /v2/schedules/{scheduleIdentifier}/on-calls):
// - authentication: `Authorization: GenieKey <API key>`; otherwise 401 `{"message": "Could not
//   authenticate", "took", "requestId"}`;
// - `scheduleIdentifierType` id (default) or name; `flat=true` answers `data.onCallRecipients`
//   (the on-call users' usernames, which are e-mail addresses), otherwise
//   `data.onCallParticipants`; `date` (yyyy-MM-dd'T'HH:mm:ssZ) is the moment asked about;
// - an unknown schedule is 404 `{"message": "No schedule exists with identifier [...]"}`;
// - over the rate limit: 429 with `X-RateLimit-State: THROTTLED`.
import { randomUUID } from 'node:crypto';
import { startScheduleFake, onCallDuring, type ScheduleFake } from '../on-call/schedule-server.fake.js';

export async function startOpsgenieFake(apiKey: string): Promise<ScheduleFake> {
  const envelope = (body: Record<string, unknown>) => ({ ...body, took: 0.01, requestId: randomUUID() });
  return startScheduleFake(
    (req, url, state, answer) => {
      if (req.headers.authorization !== `GenieKey ${apiKey}`) return answer(401, envelope({ message: 'Could not authenticate' }));
      const match = /^\/v2\/schedules\/([^/]+)\/on-calls$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return answer(404, envelope({ message: 'Not found' }));
      const identifier = decodeURIComponent(match[1]!);
      const type = url.searchParams.get('scheduleIdentifierType') ?? 'id';
      if (type !== 'id' && type !== 'name') return answer(422, envelope({ message: 'scheduleIdentifierType must be id or name' }));
      const shifts = state.schedules.get(identifier);
      if (!shifts) return answer(404, envelope({ message: `No schedule exists with identifier [${identifier}]` }));
      const date = url.searchParams.get('date');
      if (date !== null && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:?\d{2}|Z)$/.test(date)) return answer(422, envelope({ message: 'date is not in the expected format' }));
      const at = date === null ? Date.now() : Date.parse(date);
      const onCall = onCallDuring(shifts, at, at + 1);
      const _parent = { id: identifier, name: `schedule ${identifier}`, enabled: true };
      if (url.searchParams.get('flat') === 'true') return answer(200, envelope({ data: { _parent, onCallRecipients: onCall } }));
      answer(200, envelope({ data: { _parent, onCallParticipants: onCall.map((email, i) => ({ id: `u${i}`, name: email, type: 'user' })) } }));
    },
    {
      throttled: (seconds) => ({ body: envelope({ message: 'Request is throttled' }), headers: { 'x-ratelimit-state': 'THROTTLED', ...(seconds > 0 ? { 'retry-after': String(seconds) } : {}) } }),
      unavailable: envelope({ message: 'Service Unavailable' }),
    },
  );
}
