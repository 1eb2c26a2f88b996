// I/O side. The payload codec: every payload Lease hands to Temporal (workflow input, activity
// arguments and results, signals, query answers, local-activity markers, failures' details) is
// encrypted with AES-256-GCM before it leaves the process, so Temporal's history holds no
// request data in clear (docs/design.md, "Security model").
//
// Wire format of an encrypted payload: metadata `encoding: binary/encrypted` and
// `encryption-key-id: <kid>`; data = 12-byte IV ‖ ciphertext ‖ 16-byte tag. The plaintext is
// the original payload (metadata and data) as JSON; the key id is the additional
// authenticated data, so a payload cannot be passed off as encrypted under another key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { LeaseError } from '../../../core/index.js';
import type { PayloadKeys } from './payload-keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key, or altered. */
export class PayloadDecryptionFailed extends LeaseError {
  constructor(detail: string) {
    super('payload_decryption_failed', `cannot decrypt a Temporal payload: ${detail}`, { status: 500 });
  }
}

interface Plain {
  m: Record<string, string>;
  d: string;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { kid, key } = await this.keys.fresh();
    return payloads.map((payload) => {
      const plain: Plain = {
        m: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
      };
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(kid, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(kid) },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const keys = new Map<string, Buffer | undefined>();
    for (const payload of payloads) {
      const kid = encryptedWith(payload);
      if (kid !== undefined && !keys.has(kid)) keys.set(kid, await this.keys.resolve(kid));
    }
    return payloads.map((payload) => {
      const kid = encryptedWith(payload);
      if (kid === undefined) return payload; // not ours (e.g. written before encryption)
      const key = keys.get(kid);
      if (!key) throw new PayloadDecryptionFailed(`unknown key "${kid}" (is keys/payload.jwk the one the other processes use?)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionFailed('payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let text: string;
      try {
        text = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new PayloadDecryptionFailed(`authentication failed (key "${kid}")`);
      }
      const plain = JSON.parse(text) as Plain;
      return {
        metadata: Object.fromEntries(Object.entries(plain.m).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(plain.d, 'base64'),
      };
    });
  }
}

/** The data converter clients, workers and replays share: default JSON conversion, then encryption. */
export function encryptedDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}

/** The key id an encrypted payload names ('' when it names none), or undefined for a payload Lease did not encrypt. */
function encryptedWith(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return undefined;
  const kidBytes = payload.metadata?.[KEY_ID_METADATA];
  return kidBytes ? Buffer.from(kidBytes).toString() : '';
}
