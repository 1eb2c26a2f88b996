// `providers.<id>.config` for type `kubernetes`: Thand's keys (`kubeconfig`, `context`) plus
// Lease's: a direct connection (`server` + `token` or `client_certificate`/`client_key`, `ca`)
// and how the requester is named to the cluster (`username`, `username_prefix`). Nothing set
// → in-cluster (the pod's service account), else $KUBECONFIG or ~/.kube/config, as Thand does.
// Unknown keys are errors.
import { z } from 'zod';
import { baseUrlSchema } from '../cloud/base-url.js';

/** The API server: https (http only on a loopback address: a test's proxy); no credentials, query or fragment. */
const server = baseUrlSchema('https://k8s.example.com:6443');

/** PEM text inline (often `${ENV}`) or a file path (relative to the config file's directory). */
const pemOrPath = (what: string) => z.string().min(1, `expected the ${what} as PEM text or a file path`);

export const kubernetesConfigSchema = z
  .strictObject({
    /** Thand's: a kubeconfig file path, or the kubeconfig YAML itself. */
    kubeconfig: z.string().min(1, 'expected a kubeconfig file path or the kubeconfig YAML').optional(),
    /** Thand's: the kubeconfig context to use (default: its current-context). */
    context: z.string().min(1).optional(),
    /** The API server URL; with `token` or a client certificate instead of a kubeconfig. */
    server: server.optional(),
    /** A bearer token (a service account token, usually `${K8S_TOKEN}`). */
    token: z.string().min(1, 'expected a bearer token (e.g. ${K8S_TOKEN})').optional(),
    /** A file holding the bearer token, re-read as it rotates (a projected service account token). */
    token_file: z.string().min(1).optional(),
    /** A client certificate and its key (PEM or paths). */
    client_certificate: pemOrPath('client certificate').optional(),
    client_key: pemOrPath('client key').optional(),
    /** The CA that signed the API server's certificate (PEM or a path); absent → the system's CAs. */
    ca: pemOrPath('CA certificate').optional(),
    /** Which of the requester's attributes is their Kubernetes user name: the verified e-mail (default) or the identity's id. */
    username: z.enum(['email', 'id']).default('email'),
    /** Put before the user name, as the cluster's authenticator does (kube-apiserver --oidc-username-prefix, e.g. `oidc:`). */
    username_prefix: z.string().max(100).default(''),
    /**
     * Put before the requester's identity-provider groups to compare them with a role's
     * `k8s:group/<name>`, as the cluster's authenticator does (kube-apiserver --oidc-groups-prefix).
     */
    group_prefix: z.string().max(100).default(''),
  })
  .superRefine((config, ctx) => {
    const direct = config.server !== undefined || config.token !== undefined || config.token_file !== undefined || config.client_certificate !== undefined || config.client_key !== undefined || config.ca !== undefined;
    if (config.kubeconfig !== undefined && direct) {
      for (const key of ['server', 'token', 'token_file', 'client_certificate', 'client_key', 'ca'] as const) {
        if (config[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'give either kubeconfig (+ context) or server with its credentials, not both' });
      }
    }
    if (config.context !== undefined && config.kubeconfig === undefined && direct) {
      ctx.addIssue({ code: 'custom', path: ['context'], message: 'context names a kubeconfig context: it needs kubeconfig, not server' });
    }
    if (direct && config.kubeconfig === undefined) {
      if (config.server === undefined) ctx.addIssue({ code: 'custom', path: ['server'], message: 'the API server URL is required with token, token_file, client_certificate or ca' });
      const credentials = [config.token !== undefined, config.token_file !== undefined, config.client_certificate !== undefined].filter(Boolean).length;
      if (credentials === 0) ctx.addIssue({ code: 'custom', path: ['token'], message: 'server needs a credential: token, token_file, or client_certificate + client_key' });
      if (config.token !== undefined && config.token_file !== undefined) ctx.addIssue({ code: 'custom', path: ['token_file'], message: 'give either token or token_file, not both' });
    }
    if ((config.client_certificate === undefined) !== (config.client_key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [config.client_certificate === undefined ? 'client_certificate' : 'client_key'], message: 'client_certificate and client_key go together' });
    }
  });

export type KubernetesConfig = z.infer<typeof kubernetesConfigSchema>;
