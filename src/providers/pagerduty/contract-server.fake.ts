// A contract server for PagerDuty's REST API v2 — nothing real runs here (PagerDuty is a cloud
// service only). It follows the published reference (developer.pagerduty.com/api-reference,
// "List users on call", GET /schedules/{id}/users):
// - authentication: `Authorization: Token token=<API key>`; a missing or wrong key is 401
//   `{"error": {"message": "Unauthorized", "code": 2006}}`;
// - versioned media type `Accept: application/vnd.pagerduty+json;version=2` (recorded);
// - `since`/`until` ISO-8601, since before until, or 400 "Invalid Input Provided" (code 2001);
// - an unknown schedule is 404 `{"error": {"message": "Not Found", "code": 2100}}`;
// - over the rate limit: 429 "Rate Limit Exceeded" (code 2020) with `ratelimit-reset`;
// - the answer: `{"users": [User]}`, each user with `id`, `type: "user"`, `name`, `email`.
import { startScheduleFake, onCallDuring, type ScheduleFake } from '../on-call/schedule-server.fake.js';

export interface PagerdutyFake extends ScheduleFake {
  /** The Accept headers received, in order. */
  accepts: string[];
}

export async function startPagerdutyFake(token: string): Promise<PagerdutyFake> {
  const accepts: string[] = [];
  const fake = await startScheduleFake(
    (req, url, state, answer) => {
      accepts.push(req.headers.accept ?? '');
      if (req.headers.authorization !== `Token token=${token}`) return answer(401, { error: { message: 'Unauthorized', code: 2006 } });
      const match = /^\/schedules\/([^/]+)\/users$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return answer(404, { error: { message: 'Not Found', code: 2100 } });
      const shifts = state.schedules.get(decodeURIComponent(match[1]!));
      if (!shifts) return answer(404, { error: { message: 'Not Found', code: 2100 } });
      const since = Date.parse(url.searchParams.get('since') ?? '');
      const until = Date.parse(url.searchParams.get('until') ?? '');
      if (Number.isNaN(since) || Number.isNaN(until) || since >= until) {
        return answer(400, { error: { message: 'Invalid Input Provided', code: 2001, errors: ['since must be a date before until'] } });
      }
      const users = onCallDuring(shifts, since, until).map((email, i) => ({ id: `PUSER${i}`, type: 'user', summary: email, name: email.split('@')[0], email }));
      answer(200, { users });
    },
    {
      throttled: (seconds) => ({ body: { error: { message: 'Rate Limit Exceeded', code: 2020 } }, headers: { 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': String(seconds) } }),
      unavailable: { error: { message: 'Service Unavailable' } },
    },
  );
  return Object.assign(fake, { accepts });
}
