// A recorded-contract fake of one AWS KMS answer: moto (the real emulator the AWS tests use)
// does not enforce key state, so the refusal of a disabled key is checked against the error
// AWS documents for it: HTTP 400, `{"__type": "DisabledException", "message": ...}` to an
// `X-Amz-Target: TrentService.<Operation>` JSON 1.1 request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsKmsErrorFake {
  endpoint: string;
  /** The X-Amz-Target of each request received. */
  targets: string[];
  close(): Promise<void>;
}

export async function startAwsKmsErrorFake(error: { type: string; message: string; status?: number }): Promise<AwsKmsErrorFake> {
  const targets: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const signed = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/kms\/aws4_request/.test(String(req.headers.authorization ?? ''));
      if (req.method !== 'POST' || !target.startsWith('TrentService.') || req.headers['content-type'] !== 'application/x-amz-json-1.1' || !signed) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'ValidationException', message: 'not a KMS request' }));
        return;
      }
      res.writeHead(error.status ?? 400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: error.type, message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, targets, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
