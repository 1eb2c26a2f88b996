// The OpenSSH Key Revocation List (KRL) binary format, written from OpenSSH's PROTOCOL.krl
// ("This describes the key/certificate revocation list format for OpenSSH", sections 1, 2, 2.1
// and 2.4). No maintained JavaScript library writes KRLs, so Lease encodes the small subset it
// needs: one certificate section for its CA, revoking by serial and by key id. `ssh-keygen -Q -f
// <krl> <cert>` and sshd's `RevokedKeys` read what this writes (krl.test.ts checks with the
// former, test/e2e/ssh-provider.test.ts with the latter).
//
//   uint64 KRL_MAGIC (0x5353484b524c0a00, "SSHKRL\n\0")  uint32 KRL_FORMAT_VERSION (1)
//   uint64 krl_version  uint64 generated_date  uint64 flags (0)  string reserved  string comment
//   then sections: byte section_type, string section_data
//   KRL_SECTION_CERTIFICATES (1): string ca_key, string reserved, then subsections:
//     KRL_SECTION_CERT_SERIAL_LIST (0x20): uint64 serial...
//     KRL_SECTION_CERT_KEY_ID (0x23): string key_id... (at least one)
// Integers are big-endian; a string is a uint32 length and its bytes (RFC 4251 section 5).

const KRL_MAGIC = 0x5353484b524c0a00n;
const KRL_FORMAT_VERSION = 1;
const KRL_SECTION_CERTIFICATES = 1;
const KRL_SECTION_CERT_SERIAL_LIST = 0x20;
const KRL_SECTION_CERT_KEY_ID = 0x23;
const MAX_U64 = (1n << 64n) - 1n;

export interface KrlContents {
  /** Increases each time the KRL changes (PROTOCOL.krl: krl_version). */
  version: bigint;
  /** Seconds since the epoch. */
  generatedAt: number;
  comment: string;
  /** The CA's public key in SSH wire format: the certificates revoked are those it signed. */
  caKey: Uint8Array;
  /** Revoked certificate serials (non-zero: OpenSSH refuses serial 0 in a KRL). */
  serials: readonly bigint[];
  /** Revoked certificate key ids (exact match). */
  keyIds: readonly string[];
}

/** The KRL file's bytes. Serials and key ids are sorted and de-duplicated, so equal contents give equal bytes. */
export function encodeKrl(krl: KrlContents): Buffer {
  const serials = [...new Set(krl.serials)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const serial of serials) {
    if (serial <= 0n || serial > MAX_U64) throw new RangeError(`KRL serial ${serial} is outside 1..2^64-1`);
  }
  const keyIds = [...new Set(krl.keyIds)].sort();
  const out = new Writer();
  out.u64(KRL_MAGIC).u32(KRL_FORMAT_VERSION).u64(krl.version).u64(BigInt(Math.floor(krl.generatedAt))).u64(0n);
  out.string(Buffer.alloc(0)).string(Buffer.from(krl.comment, 'utf8'));
  if (serials.length > 0 || keyIds.length > 0) {
    const section = new Writer().string(krl.caKey).string(Buffer.alloc(0));
    // Subsections in increasing type order, as ssh-keygen writes them.
    if (serials.length > 0) {
      const list = new Writer();
      for (const serial of serials) list.u64(serial);
      section.byte(KRL_SECTION_CERT_SERIAL_LIST).string(list.bytes());
    }
    if (keyIds.length > 0) {
      const ids = new Writer();
      for (const id of keyIds) ids.string(Buffer.from(id, 'utf8'));
      section.byte(KRL_SECTION_CERT_KEY_ID).string(ids.bytes());
    }
    out.byte(KRL_SECTION_CERTIFICATES).string(section.bytes());
  }
  return out.bytes();
}

/** RFC 4251 encodings: byte, uint32, uint64 (big-endian) and length-prefixed strings. */
class Writer {
  private readonly parts: Buffer[] = [];

  byte(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    this.parts.push(b);
    return this;
  }

  u64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value);
    this.parts.push(b);
    return this;
  }

  string(value: Uint8Array): this {
    this.u32(value.length);
    this.parts.push(Buffer.from(value));
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
