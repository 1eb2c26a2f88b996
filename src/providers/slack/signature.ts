// Slack's request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
// `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<X-Slack-Request-Timestamp>:<raw body>")>`.
// The body is verified as received, before it is parsed; the comparison is constant-time; a
// timestamp further than five minutes from now (either way) is refused, so a captured request
// cannot be sent again later (the server also remembers the signatures it has seen until then).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's own limit: a request signed longer ago than this is refused. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

const SIGNATURE_PATTERN = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;

export function signSlackRequest(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Whether `signature` is the v0 signature of `timestamp` and `rawBody` with `secret` (constant-time). */
export function slackSignatureMatches(secret: string, timestamp: string, rawBody: string, signature: string): boolean {
  if (!SIGNATURE_PATTERN.test(signature) || !TIMESTAMP_PATTERN.test(timestamp)) return false;
  const expected = Buffer.from(signSlackRequest(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Whether the signed timestamp (seconds) is within five minutes of now (ms). */
export function slackTimestampFresh(timestamp: string, nowMs: number): boolean {
  if (!TIMESTAMP_PATTERN.test(timestamp)) return false;
  return Math.abs(nowMs - Number(timestamp) * 1000) <= MAX_SIGNATURE_AGE_MS;
}

/** The headers' shape, checked before any HMAC is computed. */
export function wellFormedSignatureHeaders(timestamp: string | undefined, signature: string | undefined): boolean {
  return timestamp !== undefined && signature !== undefined && TIMESTAMP_PATTERN.test(timestamp) && SIGNATURE_PATTERN.test(signature);
}
