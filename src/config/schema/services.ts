// `services.temporal`: how Lease reaches Temporal (with `server.engine: temporal`). The loader
// checks it (so `lease config validate` and `lease server` agree); the Temporal runtime resolves
// it for the SDK (workflow/runtime/temporal/config.ts). Lease's own keys plus Thand's:
//
//   services:
//     temporal:
//       address: temporal.internal:7233     # or host + port (Thand's shape; default localhost:7233)
//       namespace: lease-prod               # default "default"
//       task_queue: lease                   # optional
//       tls: true                           # or {server_name, ca_file, cert_file, key_file} (mTLS)
//       api_key: ${TEMPORAL_API_KEY}        # optional (Temporal Cloud)
//       payload_key_file: payload.jwk       # optional; default <data dir>/keys/payload.jwk
//       # Thand's spellings of the client certificate (mTLS):
//       mtls_cert: ${TEMPORAL_CERT}         # PEM text, with mtls_key
//       mtls_cert_file: client.pem          # a file, with mtls_key_file (mtls_cert_path: older name)
import { z } from 'zod';

const portSchema = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(65535));
const text = z.string().min(1);

const tlsSchema = z.union([
  z.boolean(),
  z
    .strictObject({
      server_name: text.optional(),
      /** Files are read relative to the directory of the config file that names them. */
      ca_file: text.optional(),
      cert_file: text.optional(),
      key_file: text.optional(),
    })
    .refine((t) => !t.cert_file === !t.key_file, 'cert_file and key_file go together (mTLS)'),
]);

/** Thand's Vault-held client key: Lease does not read keys from a vault. */
const VAULT_KEYS = ['mtls_vault', 'mtls_vault_name', 'mtls_vault_type', 'mtls_vault_password'] as const;

/** Thand reads an empty string as "not set" (`api_key: ""`); so does Lease, in this section. */
function withoutEmptyStrings(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== ''));
}

const temporalFieldsSchema = z
  .strictObject({
    address: text.optional(),
    host: text.optional(),
    port: portSchema.optional(),
    namespace: text.default('default'),
    task_queue: text.optional(),
    tls: tlsSchema.optional(),
    api_key: text.optional(),
    /** Written by Lease when missing: relative to the data directory. */
    payload_key_file: text.optional(),
    /** Thand: the client certificate and its key, PEM text. */
    mtls_cert: text.optional(),
    mtls_key: text.optional(),
    /** Thand: the client certificate and its key, as files (`mtls_cert_path` is the older name). */
    mtls_cert_file: text.optional(),
    mtls_cert_path: text.optional(),
    mtls_key_file: text.optional(),
    /** Thand: a client key held in a cloud vault; not supported (an error when given). */
    mtls_vault: z.record(z.string(), z.unknown()).optional(),
    mtls_vault_name: text.optional(),
    mtls_vault_type: text.optional(),
    mtls_vault_password: text.optional(),
    /** Thand: turns off worker versioning, which Lease does not use (ignored, with a warning). */
    disable_versioning: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.address !== undefined && (s.host !== undefined || s.port !== undefined)) problem('address', 'set address (host:port) or host and port, not both');
    if (s.mtls_cert_file !== undefined && s.mtls_cert_path !== undefined) problem('mtls_cert_path', 'mtls_cert_path is the older name of mtls_cert_file: give one');
    const certFile = s.mtls_cert_file ?? s.mtls_cert_path;
    if ((s.mtls_cert === undefined) !== (s.mtls_key === undefined)) {
      problem(s.mtls_cert === undefined ? 'mtls_cert' : 'mtls_key', 'mtls_cert and mtls_key go together (the client certificate and its private key, PEM)');
    }
    if ((certFile === undefined) !== (s.mtls_key_file === undefined)) {
      problem(certFile === undefined ? 'mtls_cert_file' : 'mtls_key_file', 'mtls_cert_file and mtls_key_file go together (the client certificate and its private key)');
    }
    const sources = [s.mtls_cert !== undefined, certFile !== undefined, typeof s.tls === 'object' && s.tls.cert_file !== undefined].filter(Boolean);
    if (sources.length > 1) problem('mtls_cert', 'give the client certificate once: mtls_cert/mtls_key, mtls_cert_file/mtls_key_file or tls.cert_file/key_file');
    if (s.tls === false && sources.length > 0) problem('tls', 'a client certificate (mTLS) needs TLS: remove tls: false');
    for (const key of VAULT_KEYS) {
      const value = s[key];
      const given = typeof value === 'string' || (value !== undefined && Object.keys(value).length > 0);
      if (given) problem(key, 'Lease does not load the Temporal client key from a vault: give mtls_cert_file and mtls_key_file (or mtls_cert and mtls_key)');
    }
  });

export const temporalServiceSchema = z.preprocess(withoutEmptyStrings, temporalFieldsSchema);

export type TemporalServiceConfig = z.infer<typeof temporalServiceSchema>;

// `services.llm`: an optional language model for suggestions and `lease.validate` with
// `validator: llm` (Thand's shape). It only ever chooses among the roles the person may request;
// its answer is checked, and the offline ranking answers when it is slow, down or wrong.
//
//   services:
//     llm:
//       provider: openai                    # openai | anthropic | gemini
//       model: gpt-4o-mini
//       api_key: ${OPENAI_API_KEY}
//       base_url: http://127.0.0.1:8000/v1  # optional: an OpenAI-compatible server, a proxy
//       timeout: 5s                         # optional (Lease): then the offline ranking answers
export const llmServiceSchema = z.strictObject({
  provider: z.enum(['openai', 'anthropic', 'gemini'], { error: 'expected provider openai, anthropic or gemini' }),
  model: text,
  api_key: text,
  base_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  timeout: z.string().regex(/^\d+(?:\.\d+)?(?:ms|s|m)$/, 'expected a duration such as 5s or 1500ms').optional(),
});

export type LlmServiceConfig = z.infer<typeof llmServiceSchema>;
