// The `slack` notification provider. See README.md.
export { slackProviderFactory, SlackNotifier, isSlackNotifier, SLACK_OPERATIONS } from './provider.js';
export { slackConfigSchema, type SlackConfig } from './config.js';
export { APPROVE_ACTION, DENY_ACTION, EXTEND_ACTION, escapeMrkdwn, approvalRequestBlocks, decidedBlocks, leaseNoticeBlocks, leaseNoticeText, type RequestSummary, type DecisionLine, type ClosedUndecided, type LeaseNotice, type LeaseNoticeKind } from './blocks.js';
export { signSlackRequest, slackSignatureMatches, slackTimestampFresh, wellFormedSignatureHeaders, MAX_SIGNATURE_AGE_MS } from './signature.js';
export { SlackApi, SlackApiError, type SlackUser } from './slack-api.js';
