// An in-process stand-in for what moto 5.2.5's sso-admin lacks, in front of a real moto server:
// every request goes to moto except the ones moto does not implement, answered here from the
// AWS API reference (https://docs.aws.amazon.com/singlesignon/latest/APIReference/):
// - TagResource, UntagResource, ListTagsForResource (moto keeps CreatePermissionSet's Tags but
//   has no call to read or change them). Tags given to CreatePermissionSet are recorded from
//   the request and moto's answer; DeletePermissionSet drops them; more than 50 tags on one
//   resource is `ValidationException`, a missing permission set `ResourceNotFoundException`;
// - asynchronous assignments: moto answers CreateAccountAssignment and DeleteAccountAssignment
//   SUCCEEDED at once; with `inProgressChecks: n` the answer says IN_PROGRESS and the first n
//   Describe…Status calls too (then moto's SUCCEEDED); `failNextCreation` makes one FAILED;
// - DescribePermissionSetProvisioningStatus (moto's ProvisionPermissionSet answers SUCCEEDED);
// - authorization: `denied` actions answer 400 AccessDeniedException as AWS words it (moto
//   checks no IAM policy for sso-admin); `throttleNext` answers ThrottlingException that often.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SSO = 'SWBExternalService.';
const MAX_TAGS = 50;

export class MotoGapsFake {
  /** ResourceArn → tags. */
  readonly tags = new Map<string, Map<string, string>>();
  /** `sso:<Action>` names answered with AccessDeniedException. */
  readonly denied = new Set<string>();
  /** Answer this many requests (of any kind) with ThrottlingException. */
  throttleNext = 0;
  /** Report this many IN_PROGRESS checks before an assignment operation succeeds. */
  inProgressChecks = 0;
  /** The next CreateAccountAssignment is reported FAILED (and undone in moto). */
  failNextCreation = false;
  /** Calls seen, by `X-Amz-Target`. */
  readonly calls: string[] = [];
  /** Permission sets deleted through this stand-in: their tags are gone with them. */
  private readonly deleted = new Set<string>();
  private readonly pending = new Map<string, number>();
  private server?: Server;

  constructor(private readonly moto: string) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => send(res, 500, { __type: 'InternalServerException', message: String(err) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The tags of a permission set, as an object. */
  tagsOf(arn: string): Record<string, string> {
    return Object.fromEntries(this.tags.get(arn) ?? []);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    this.calls.push(target);
    const action = target.startsWith(SSO) ? target.slice(SSO.length) : undefined;
    if (this.throttleNext > 0) {
      this.throttleNext--;
      return send(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    }
    if (action !== undefined && this.denied.has(`sso:${action}`)) {
      return send(res, 400, { __type: 'AccessDeniedException', Message: `User: arn:aws:iam::123456789012:user/lease is not authorized to perform: sso:${action} on resource: arn:aws:sso:::instance/*` });
    }
    // Only sso-admin (JSON) is looked into; STS, identity store and the rest pass through untouched.
    if (action === undefined) return this.pass(req, res, body);
    const input = body.length > 0 ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
    switch (action) {
      case 'TagResource':
        return this.tagResource(input, res);
      case 'UntagResource':
        return this.untagResource(input, res);
      case 'ListTagsForResource':
        return this.listTags(input, res);
      case 'DescribePermissionSetProvisioningStatus':
        return send(res, 200, { PermissionSetProvisioningStatus: { RequestId: input.ProvisionPermissionSetRequestId, Status: 'SUCCEEDED' } });
      default:
        break;
    }
    const answer = await this.forward(req, body);
    if (action === 'CreatePermissionSet' && answer.status === 200) {
      const arn = (answer.json as { PermissionSet?: { PermissionSetArn?: string } }).PermissionSet?.PermissionSetArn;
      if (arn) this.tags.set(arn, new Map(((input.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value])));
    }
    if (action === 'DeletePermissionSet' && answer.status === 200) {
      this.tags.delete(String(input.PermissionSetArn));
      this.deleted.add(String(input.PermissionSetArn));
    }
    if ((action === 'CreateAccountAssignment' || action === 'DeleteAccountAssignment') && answer.status === 200) {
      const key = action === 'CreateAccountAssignment' ? 'AccountAssignmentCreationStatus' : 'AccountAssignmentDeletionStatus';
      const status = (answer.json as Record<string, { RequestId?: string; Status?: string; FailureReason?: string }>)[key];
      if (status?.RequestId) {
        if (action === 'CreateAccountAssignment' && this.failNextCreation) {
          this.failNextCreation = false;
          // AWS made nothing: undo moto's assignment and report the failure.
          await this.forward(req, body, 'SWBExternalService.DeleteAccountAssignment');
          status.Status = 'FAILED';
          status.FailureReason = 'Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/Nope.';
        } else if (this.inProgressChecks > 0) {
          this.pending.set(status.RequestId, this.inProgressChecks);
          status.Status = 'IN_PROGRESS';
        }
      }
      return send(res, 200, answer.json);
    }
    if (action === 'DescribeAccountAssignmentCreationStatus' || action === 'DescribeAccountAssignmentDeletionStatus') {
      const requestId = String(input.AccountAssignmentCreationRequestId ?? input.AccountAssignmentDeletionRequestId);
      const left = this.pending.get(requestId);
      if (left !== undefined) {
        if (left > 1) this.pending.set(requestId, left - 1);
        else this.pending.delete(requestId);
        const key = action === 'DescribeAccountAssignmentCreationStatus' ? 'AccountAssignmentCreationStatus' : 'AccountAssignmentDeletionStatus';
        return send(res, 200, { [key]: { RequestId: requestId, Status: 'IN_PROGRESS' } });
      }
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.raw);
  }

  private async pass(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const answer = await this.forward(req, body);
    res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.raw);
  }

  private async forward(req: IncomingMessage, body: Buffer, target?: string): Promise<{ status: number; contentType: string; raw: Buffer; json: unknown }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
    if (target) headers['x-amz-target'] = target;
    const response = await fetch(`${this.moto}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}) });
    const raw = Buffer.from(await response.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      json = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/x-amz-json-1.1', raw, json };
  }

  /** A permission set made without the stand-in (straight in moto) has no tags yet; a deleted one has none at all. */
  private tagMap(arn: string): Map<string, string> | undefined {
    if (this.deleted.has(arn)) return undefined;
    let tags = this.tags.get(arn);
    if (!tags) this.tags.set(arn, (tags = new Map()));
    return tags;
  }

  private tagResource(input: Record<string, unknown>, res: ServerResponse): void {
    const tags = this.tagMap(String(input.ResourceArn));
    if (!tags) return send(res, 400, { __type: 'ResourceNotFoundException', Message: `Could not find PermissionSet with id ${String(input.ResourceArn).split('/').pop()}` });
    const next = new Map(tags);
    for (const tag of (input.Tags ?? []) as Array<{ Key: string; Value: string }>) next.set(tag.Key, tag.Value);
    if (next.size > MAX_TAGS) return send(res, 400, { __type: 'ValidationException', Message: `Number of tags exceeds the limit of ${MAX_TAGS}` });
    this.tags.set(String(input.ResourceArn), next);
    send(res, 200, {});
  }

  private untagResource(input: Record<string, unknown>, res: ServerResponse): void {
    const tags = this.tagMap(String(input.ResourceArn));
    if (!tags) return send(res, 400, { __type: 'ResourceNotFoundException', Message: `Could not find PermissionSet with id ${String(input.ResourceArn).split('/').pop()}` });
    for (const key of (input.TagKeys ?? []) as string[]) tags.delete(key);
    send(res, 200, {});
  }

  private listTags(input: Record<string, unknown>, res: ServerResponse): void {
    const tags = this.tagMap(String(input.ResourceArn));
    if (!tags) return send(res, 400, { __type: 'ResourceNotFoundException', Message: `Could not find PermissionSet with id ${String(input.ResourceArn).split('/').pop()}` });
    send(res, 200, { Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
}
