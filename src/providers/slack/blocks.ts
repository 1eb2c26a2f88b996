// Block Kit messages Lease posts. Text from people (reasons, names, the workflow's message, which
// may quote them) is escaped for mrkdwn, so it cannot mention (@here), link or break out of its
// field; only Lease's own labels are formatting.

/** A Block Kit block; Slack's schema is large, Lease builds a few shapes. */
export type Block = Record<string, unknown>;

/** Action ids of the buttons: the interaction callback knows them, nothing else does. */
export const APPROVE_ACTION = 'lease_approve';
export const DENY_ACTION = 'lease_deny';
/** The Extend buttons of a requester's direct message; their value is `<request id> <duration>`. */
export const EXTEND_ACTION = 'lease_extend';

/** The longest text Lease puts in one section (Slack allows 3000 characters). */
const MAX_SECTION = 2900;

/**
 * Escapes text for Slack mrkdwn: `&`, `<` and `>` are Slack's control characters (links,
 * mentions such as `<!channel>`); anything else is shown as typed.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(text, MAX_SECTION) };
}

/** What an approval message says about the request. */
export interface RequestSummary {
  id: string;
  role: string;
  roleName?: string | undefined;
  provider: string;
  requester: string;
  requesterName?: string | undefined;
  reason: string;
  /** Human duration (`10m`, `1h`) or ISO-8601. */
  duration?: string | undefined;
}

function who(summary: Pick<RequestSummary, 'requester' | 'requesterName'>): string {
  return summary.requesterName && summary.requesterName !== summary.requester
    ? `${escapeMrkdwn(summary.requesterName)} (${escapeMrkdwn(summary.requester)})`
    : escapeMrkdwn(summary.requester);
}

function roleLabel(summary: Pick<RequestSummary, 'role' | 'roleName'>): string {
  return summary.roleName && summary.roleName !== summary.role ? `${escapeMrkdwn(summary.roleName)} (\`${escapeMrkdwn(summary.role)}\`)` : `\`${escapeMrkdwn(summary.role)}\``;
}

/** The request's facts as a section with fields. */
function detailsBlock(summary: RequestSummary): Block {
  const fields = [
    mrkdwn(`*Requester*\n${who(summary)}`),
    mrkdwn(`*Role*\n${roleLabel(summary)}`),
    mrkdwn(`*Provider*\n\`${escapeMrkdwn(summary.provider)}\``),
    ...(summary.duration ? [mrkdwn(`*Duration*\n${escapeMrkdwn(summary.duration)}`)] : []),
  ];
  return { type: 'section', fields };
}

function reasonBlock(summary: RequestSummary): Block {
  return { type: 'section', text: mrkdwn(`*Reason*\n${escapeMrkdwn(summary.reason)}`) };
}

/** The fallback text of a message (notifications, screen readers). */
export function requestText(summary: RequestSummary): string {
  return `${summary.requesterName ?? summary.requester} asks for ${summary.roleName ?? summary.role} on ${summary.provider}${summary.duration ? ` for ${summary.duration}` : ''}`;
}

/**
 * The message `lease.notify` posts: the workflow's message, the request, and with `approvals`
 * the Approve / Deny buttons (their value is the request id).
 */
export function approvalRequestBlocks(summary: RequestSummary, message: string, approvals: boolean): Block[] {
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: approvals ? 'Access request: approval needed' : 'Access request', emoji: false } }];
  if (message.trim() !== '') blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(message.trim())) });
  blocks.push(detailsBlock(summary), reasonBlock(summary));
  blocks.push({ type: 'context', elements: [mrkdwn(`Request \`${escapeMrkdwn(summary.id)}\``)] });
  if (approvals) {
    blocks.push({
      type: 'actions',
      block_id: 'lease_decision',
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: summary.id },
        {
          type: 'button',
          action_id: DENY_ACTION,
          text: { type: 'plain_text', text: 'Deny' },
          style: 'danger',
          value: summary.id,
          confirm: {
            title: { type: 'plain_text', text: 'Deny this request?' },
            text: { type: 'plain_text', text: 'The requester gets no access.' },
            confirm: { type: 'plain_text', text: 'Deny' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  }
  return blocks;
}

/** One recorded decision, as the updated message lists it. */
export interface DecisionLine {
  approved: boolean;
  /** The approver as people know them (name, address). */
  by: string;
  /** ISO-8601. */
  at: string;
}

/** A request that ended before its approvals were complete: how it ended (`expired`, `withdrawn`, `failed`...) and why. */
export interface ClosedUndecided {
  status: string;
  message: string;
}

/**
 * The approval message after a decision: the request, who decided what and when, and the
 * buttons only while the request still waits for more approvals.
 */
export function decidedBlocks(summary: RequestSummary, decisions: readonly DecisionLine[], stillOpen: boolean, closed?: ClosedUndecided): Block[] {
  const lines = decisions.map((d) => `${d.approved ? ':white_check_mark: Approved' : ':x: Denied'} by ${escapeMrkdwn(d.by)} at ${escapeMrkdwn(d.at)}`);
  const denied = decisions.some((d) => !d.approved);
  if (!stillOpen && !denied && closed) lines.push(`:no_entry_sign: ${escapeMrkdwn(closed.message)}`);
  const blocks = approvalRequestBlocks(summary, '', stillOpen).filter((b) => b.type !== 'header');
  const title = stillOpen ? 'Access request: approval needed' : denied ? 'Access request denied' : closed ? `Access request ${closed.status}` : 'Access request approved';
  const header: Block = { type: 'header', text: { type: 'plain_text', text: title, emoji: false } };
  const decided: Block = { type: 'section', text: mrkdwn(lines.join('\n') || 'No decision yet') };
  const actions = blocks.findIndex((b) => b.type === 'actions');
  if (actions === -1) return [header, ...blocks, decided];
  return [header, ...blocks.slice(0, actions), decided, ...blocks.slice(actions)];
}

/** A direct message to the requester about their lease. */
export type LeaseNoticeKind = 'granted' | 'extended' | 'expiring' | 'ended';

export interface LeaseNotice {
  kind: LeaseNoticeKind;
  requestId: string;
  role: string;
  provider: string;
  /** ISO-8601, when the lease has one. */
  expiresAt?: string | null | undefined;
  /** Why it ended (revoked, expired...), for `ended`. */
  outcome?: string | null | undefined;
  /** Extensions the requester may ask for with one click (durations such as `30m`); none on `ended`. */
  extendBy?: readonly string[] | undefined;
}

export function leaseNoticeText(notice: LeaseNotice): string {
  const what = `\`${escapeMrkdwn(notice.role)}\` on \`${escapeMrkdwn(notice.provider)}\``;
  const until = notice.expiresAt ? ` until ${escapeMrkdwn(notice.expiresAt)}` : '';
  const id = `(request \`${escapeMrkdwn(notice.requestId)}\`)`;
  switch (notice.kind) {
    case 'granted':
      return `:unlock: Your access to ${what} is granted${until} ${id}.`;
    case 'extended':
      return `:arrows_counterclockwise: Your access to ${what} is extended${until} ${id}.`;
    case 'expiring':
      return `:hourglass_flowing_sand: Your access to ${what} expires soon${notice.expiresAt ? `, at ${escapeMrkdwn(notice.expiresAt)}` : ''} ${id}.`;
    case 'ended':
      return `:lock: Your access to ${what} has ended${notice.outcome ? ` (${escapeMrkdwn(notice.outcome)})` : ''} ${id}.`;
  }
}

/**
 * A direct message's blocks: its text, and while the lease runs an Extend button per offered
 * duration (the click asks for an extension as the requester, under the role's rules).
 */
export function leaseNoticeBlocks(notice: LeaseNotice): Block[] {
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(leaseNoticeText(notice)) }];
  const offers = notice.kind === 'ended' ? [] : (notice.extendBy ?? []);
  if (offers.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: 'lease_extend',
      elements: offers.map((duration) => ({ type: 'button', action_id: `${EXTEND_ACTION}:${duration}`, text: { type: 'plain_text', text: `Extend ${duration}` }, value: `${notice.requestId} ${duration}` })),
    });
  }
  return blocks;
}
