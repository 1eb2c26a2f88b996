// The SSH certificate authority (provider type ssh): a certificate for your own active lease,
// and what hosts fetch — the CA public key (TrustedUserCAKeys) and the Key Revocation List
// (RevokedKeys). Those two are public: a host fetches them with curl on a timer, and neither
// holds a secret (a KRL lists revoked serial numbers under the CA's public key).
import { z } from 'zod';
import { route } from '../api/route.js';
import { sshCertificateRequestSchema, sshCertificateViewSchema } from '../api/schemas.js';
import type { ProviderQueries } from '../services/provider-queries.js';

export function sshAuthorityRoutes(queries: ProviderQueries) {
  return [
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/ssh-certificate',
      summary: 'An SSH certificate for your public key, valid for your own active lease\'s principals until its expiry (provider type ssh)',
      tag: 'requests',
      auth: true,
      body: sshCertificateRequestSchema,
      response: sshCertificateViewSchema,
      errors: [400, 403, 404, 409, 502, 503],
      handler: async ({ params, body, identity, c }) => {
        c.header('cache-control', 'no-store');
        const signed = await queries.sshCertificate(identity, params.id as string, body.public_key);
        return {
          certificate: signed.certificate,
          key_id: signed.keyId,
          serial: signed.serial,
          principals: signed.principals,
          valid_after: signed.validAfter,
          valid_before: signed.validBefore,
          ca_fingerprint: signed.caFingerprint,
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/providers/{id}/ca',
      summary: 'The SSH CA public key of an ssh provider, for the hosts\' TrustedUserCAKeys (public)',
      tag: 'catalog',
      auth: false,
      response: z.string().describe('one OpenSSH public key line'),
      produces: 'text/plain',
      errors: [400, 404],
      handler: async ({ params }) => {
        const line = queries.sshCaPublicKey(params.id as string);
        return new Response(`${line}\n`, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/providers/{id}/krl',
      summary: 'The OpenSSH Key Revocation List of an ssh provider, for the hosts\' RevokedKeys (public; fetch it periodically)',
      tag: 'catalog',
      auth: false,
      response: z.string().meta({ format: 'binary' }).describe('an OpenSSH KRL (PROTOCOL.krl); `ssh-keygen -Q -l -f` lists it'),
      produces: 'application/octet-stream',
      errors: [400, 404, 502, 503],
      handler: async ({ params }) => {
        const bytes = await queries.sshKrl(params.id as string);
        return new Response(new Uint8Array(bytes), { status: 200, headers: { 'content-type': 'application/octet-stream', 'cache-control': 'no-cache' } });
      },
    }),
  ];
}
