// `providers.<id>.config` for type `saml`. Thand's keys (`idp_metadata_url`, `entity_id`,
// `root_url`, `cert_file`, `key_file`, `sign_requests`) plus inline forms for tests and air-gapped
// setups (`idp_metadata`, or `idp_cert` + `idp_sso_url`). Unknown keys are errors.
import { z } from 'zod';
import { issuerProblem } from '../oidc/index.js';
import { trustEmailSchema } from '../trust-email.js';

/** The largest clock difference with the IdP we tolerate: a wider window helps replays, not users. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

export const DEFAULT_ATTRIBUTES = { email: 'email', name: 'name', groups: 'groups' } as const;

/** https, or http on loopback only (same rule as OIDC issuers): metadata carries the IdP's keys. */
const idpUrl = z.url().superRefine((value, ctx) => {
  const problem = issuerProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.replace('the issuer', 'the URL') });
});

export const samlConfigSchema = z
  .strictObject({
    /** Where the IdP publishes its metadata (signing certificates, SSO URL); fetched on first login. */
    idp_metadata_url: idpUrl.optional(),
    /** The IdP's metadata XML itself, instead of a URL. */
    idp_metadata: z.string().min(1).optional(),
    /** The IdP's signing certificate (PEM or base64 DER); with `idp_sso_url`, instead of metadata. */
    idp_cert: z.string().min(1).optional(),
    /** The IdP's SSO endpoint (HTTP-Redirect binding). */
    idp_sso_url: idpUrl.optional(),
    /** The IdP's entity id; when known (here or from metadata), assertions from another issuer are refused. */
    idp_entity_id: z.string().min(1).optional(),
    /** Our (the SP's) entity id; default `<root_url>/api/v1/auth/<id>/metadata`. */
    entity_id: z.string().min(1).optional(),
    /** The server's external base URL as the IdP sees it; default `server.url`. */
    root_url: z.url().optional(),
    /** SP certificate (PEM) published in our metadata; with `key_file`, signs AuthnRequests. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** Thand's inline forms of the same (PEM text, e.g. `${SAML_KEY}`); used over the files when both are given. */
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    sign_requests: z.boolean().default(false),
    /** Tolerated clock difference with the IdP, at most 60 s. */
    clock_skew_seconds: z.number().int().min(0).max(MAX_CLOCK_SKEW_SECONDS).default(30),
    /** SAML says nothing of verification: with this, the e-mail attribute counts as verified and identifies people across identity providers. */
    trust_email: trustEmailSchema,
    /** Attribute names (Name= in the AttributeStatement) for the identity; defaults email, name, groups. */
    attributes: z
      .strictObject({ email: z.string().min(1).optional(), name: z.string().min(1).optional(), groups: z.string().min(1).optional() })
      .default({}),
  })
  .superRefine((config, ctx) => {
    const sources = [config.idp_metadata_url !== undefined, config.idp_metadata !== undefined, config.idp_cert !== undefined || config.idp_sso_url !== undefined].filter(Boolean).length;
    if (sources !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of idp_metadata_url, idp_metadata, or idp_cert with idp_sso_url' });
    } else if ((config.idp_cert === undefined) !== (config.idp_sso_url === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'idp_cert and idp_sso_url go together', path: [config.idp_cert === undefined ? 'idp_cert' : 'idp_sso_url'] });
    }
    const hasCert = config.cert !== undefined || config.cert_file !== undefined;
    const hasKey = config.key !== undefined || config.key_file !== undefined;
    if (config.sign_requests && (!hasCert || !hasKey)) {
      ctx.addIssue({ code: 'custom', message: 'sign_requests needs a certificate and a key (cert_file and key_file, or cert and key)', path: ['sign_requests'] });
    }
    if (hasCert !== hasKey) {
      ctx.addIssue({ code: 'custom', message: 'a certificate and a key go together (cert_file and key_file, or cert and key)', path: [hasCert ? 'key_file' : 'cert_file'] });
    }
  });

export type SamlConfig = z.infer<typeof samlConfigSchema>;

/** Settings given twice (a file and its inline form): the inline one is used, said at load. */
export function samlConfigWarnings(config: SamlConfig): Array<{ path: string[]; message: string }> {
  return (['cert', 'key'] as const)
    .filter((name) => config[name] !== undefined && config[`${name}_file`] !== undefined)
    .map((name) => ({ path: [`${name}_file`], message: `${name} and ${name}_file are both given: the inline ${name} is used` }));
}
