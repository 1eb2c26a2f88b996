// A contract server for a Microsoft Teams incoming webhook — nothing real runs here (Teams is a
// cloud service only), so this follows the published references and refuses what they say Teams
// refuses:
// - Microsoft Learn, "Create and send messages" (webhooks-and-connectors/how-to/connectors-using):
//   the webhook takes a POSTed JSON `{type: "message", attachments: [{contentType:
//   "application/vnd.microsoft.card.adaptive", content: <AdaptiveCard>}]}`; a message over 28 KB
//   is refused; a sender over the rate limit gets 429 (retry with backoff). A taken message is
//   answered 200 with the text `1`, as the connector endpoint does.
// - The Adaptive Card schema (adaptivecards.io/explorer, schema 1.5): an AdaptiveCard needs `type`
//   and `version`; each element and action needs a known `type`; TextBlock needs `text`, FactSet
//   `facts` of `{title, value}` strings, Image `url`, Action.OpenUrl an absolute `url`.
// No JSON Schema of Adaptive Cards is published in a registry package, so those required fields
// are checked here as the reference documents them.
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export const TEAMS_MAX_MESSAGE_BYTES = 28 * 1024;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const SUPPORTED_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'];
const ELEMENTS = new Set(['TextBlock', 'RichTextBlock', 'Image', 'Media', 'ImageSet', 'FactSet', 'Container', 'ColumnSet', 'ActionSet', 'Table',
  'Input.Text', 'Input.Number', 'Input.Date', 'Input.Time', 'Input.Toggle', 'Input.ChoiceSet']);
const ACTIONS = new Set(['Action.OpenUrl', 'Action.Submit', 'Action.ShowCard', 'Action.ToggleVisibility', 'Action.Execute']);

export interface TeamsWebhookFake {
  /** The webhook URL (its path carries a random token, as Teams' URLs do). */
  url: string;
  /** The messages Teams took, parsed. */
  received: Array<Record<string, unknown>>;
  /** Every answer given, in order (status and why). */
  answers: Array<{ status: number; reason: string }>;
  /** The next `n` posts are answered 429 with `Retry-After: <seconds>`. */
  throttle(n: number, retryAfterSeconds?: number): void;
  /** The next `n` posts are answered 503. */
  fail(n: number): void;
  close(): Promise<void>;
}

export async function startTeamsWebhookFake(): Promise<TeamsWebhookFake> {
  const token = randomBytes(12).toString('hex');
  const path = `/webhookb2/${token}/IncomingWebhook/${randomBytes(8).toString('hex')}`;
  const received: Array<Record<string, unknown>> = [];
  const answers: Array<{ status: number; reason: string }> = [];
  let throttled = 0;
  let retryAfter = 1;
  let failing = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, reason: string, body: string, headers: Record<string, string> = {}) => {
        answers.push({ status, reason });
        res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
      };
      if (req.method !== 'POST' || req.url !== path) return answer(404, 'unknown webhook', 'Not found');
      if (throttled > 0) {
        throttled--;
        return answer(429, 'rate limited', 'Microsoft Teams endpoint returned HTTP error 429', { 'retry-after': String(retryAfter) });
      }
      if (failing > 0) {
        failing--;
        return answer(503, 'unavailable', 'Service Unavailable');
      }
      const raw = Buffer.concat(chunks);
      if (raw.length > TEAMS_MAX_MESSAGE_BYTES) return answer(413, 'oversized', 'Microsoft Teams endpoint returned HTTP error 413: message exceeds 28 KB');
      let message: unknown;
      try {
        message = JSON.parse(raw.toString('utf8'));
      } catch {
        return answer(400, 'not JSON', 'Bad payload received by generic incoming webhook.');
      }
      const problem = messageProblem(message);
      if (problem !== undefined) return answer(400, problem, `Bad payload received by generic incoming webhook: ${problem}`);
      received.push(message as Record<string, unknown>);
      answer(200, 'taken', '1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answers,
    throttle: (n, seconds = 1) => ((throttled = n), (retryAfter = seconds)),
    fail: (n) => void (failing = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What Teams would refuse in a webhook message carrying Adaptive Cards, or undefined. */
export function messageProblem(message: unknown): string | undefined {
  if (!isObject(message)) return 'the message is not a JSON object';
  if (message.type !== 'message') return 'missing type "message"';
  if (!Array.isArray(message.attachments) || message.attachments.length === 0) return 'missing attachments';
  for (const [i, attachment] of message.attachments.entries()) {
    if (!isObject(attachment)) return `attachments[${i}] is not an object`;
    if (attachment.contentType !== ADAPTIVE) return `attachments[${i}].contentType must be ${ADAPTIVE}`;
    const problem = cardProblem(attachment.content, `attachments[${i}].content`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function cardProblem(card: unknown, at: string): string | undefined {
  if (!isObject(card)) return `${at} is not an object`;
  if (card.type !== 'AdaptiveCard') return `${at}.type must be AdaptiveCard`;
  if (typeof card.version !== 'string' || !SUPPORTED_VERSIONS.includes(card.version)) return `${at}.version must be one of ${SUPPORTED_VERSIONS.join(', ')}`;
  if (card.body !== undefined) {
    if (!Array.isArray(card.body)) return `${at}.body must be an array`;
    for (const [i, element] of card.body.entries()) {
      const problem = elementProblem(element, `${at}.body[${i}]`);
      if (problem !== undefined) return problem;
    }
  }
  return actionsProblem(card.actions, `${at}.actions`);
}

function elementProblem(element: unknown, at: string): string | undefined {
  if (!isObject(element)) return `${at} is not an object`;
  if (typeof element.type !== 'string' || !ELEMENTS.has(element.type)) return `${at}.type is missing or unknown`;
  switch (element.type) {
    case 'TextBlock':
      return typeof element.text === 'string' ? undefined : `${at}.text is required`;
    case 'Image':
      return typeof element.url === 'string' ? undefined : `${at}.url is required`;
    case 'FactSet':
      if (!Array.isArray(element.facts)) return `${at}.facts is required`;
      return element.facts.every((f) => isObject(f) && typeof f.title === 'string' && typeof f.value === 'string') ? undefined : `${at}.facts need string title and value`;
    case 'Container':
      if (!Array.isArray(element.items)) return `${at}.items is required`;
      for (const [i, item] of element.items.entries()) {
        const problem = elementProblem(item, `${at}.items[${i}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case 'ActionSet':
      return actionsProblem(element.actions, `${at}.actions`, true);
    default:
      return undefined;
  }
}

function actionsProblem(actions: unknown, at: string, required = false): string | undefined {
  if (actions === undefined) return required ? `${at} is required` : undefined;
  if (!Array.isArray(actions)) return `${at} must be an array`;
  for (const [i, action] of actions.entries()) {
    if (!isObject(action) || typeof action.type !== 'string' || !ACTIONS.has(action.type)) return `${at}[${i}].type is missing or unknown`;
    if (action.type === 'Action.OpenUrl') {
      if (typeof action.url !== 'string' || !URL.canParse(action.url)) return `${at}[${i}].url must be an absolute URL`;
    }
  }
  return undefined;
}
