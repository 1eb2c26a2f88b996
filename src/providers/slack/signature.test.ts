import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { MAX_SIGNATURE_AGE_MS, signSlackRequest, slackSignatureMatches, slackTimestampFresh, wellFormedSignatureHeaders } from './signature.js';

// Slack's own worked example (https://api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_EXAMPLE_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack request signatures', () => {
  it('computes the v0 signature of Slack\'s documented example', () => {
    assert.equal(signSlackRequest(SECRET, TIMESTAMP, BODY), SLACK_EXAMPLE_SIGNATURE);
    assert.ok(slackSignatureMatches(SECRET, TIMESTAMP, BODY, SLACK_EXAMPLE_SIGNATURE));
  });

  it('refuses another secret, another timestamp, a changed body or a changed signature', () => {
    assert.equal(slackSignatureMatches('another-secret', TIMESTAMP, BODY, SLACK_EXAMPLE_SIGNATURE), false);
    assert.equal(slackSignatureMatches(SECRET, '1531420619', BODY, SLACK_EXAMPLE_SIGNATURE), false);
    assert.equal(slackSignatureMatches(SECRET, TIMESTAMP, `${BODY}&x=1`, SLACK_EXAMPLE_SIGNATURE), false);
    assert.equal(slackSignatureMatches(SECRET, TIMESTAMP, BODY, `${SLACK_EXAMPLE_SIGNATURE.slice(0, -1)}4`), false);
  });

  it('refuses malformed signatures without comparing (other version, upper case, short, v1)', () => {
    const hex = createHmac('sha256', SECRET).update(`v0:${TIMESTAMP}:${BODY}`).digest('hex');
    for (const bad of [hex, `v1=${hex}`, `v0=${hex.toUpperCase()}`, `v0=${hex.slice(2)}`, '', 'v0=']) {
      assert.equal(slackSignatureMatches(SECRET, TIMESTAMP, BODY, bad), false, bad);
    }
    assert.equal(slackSignatureMatches(SECRET, '15314.20618', BODY, SLACK_EXAMPLE_SIGNATURE), false);
    assert.equal(wellFormedSignatureHeaders(undefined, SLACK_EXAMPLE_SIGNATURE), false);
    assert.equal(wellFormedSignatureHeaders(TIMESTAMP, undefined), false);
    assert.equal(wellFormedSignatureHeaders('-1', SLACK_EXAMPLE_SIGNATURE), false);
    assert.ok(wellFormedSignatureHeaders(TIMESTAMP, SLACK_EXAMPLE_SIGNATURE));
  });

  it('accepts a timestamp within five minutes either way, and refuses one older or further ahead', () => {
    const now = Number(TIMESTAMP) * 1000;
    assert.ok(slackTimestampFresh(TIMESTAMP, now));
    assert.ok(slackTimestampFresh(TIMESTAMP, now + MAX_SIGNATURE_AGE_MS));
    assert.equal(slackTimestampFresh(TIMESTAMP, now + MAX_SIGNATURE_AGE_MS + 1_000), false);
    assert.equal(slackTimestampFresh(TIMESTAMP, now - MAX_SIGNATURE_AGE_MS - 1_000), false);
    assert.equal(slackTimestampFresh('abc', now), false);
  });
});
