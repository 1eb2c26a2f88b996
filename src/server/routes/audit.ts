import { Forbidden, type Identity } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { route } from '../api/route.js';
import { auditListSchema, auditQuerySchema, auditVerificationSchema } from '../api/schemas.js';
import type { AccessControl } from '../services/access-control.js';

export function auditRoutes(store: Store, access: AccessControl) {
  const requireAdmin = (identity: Identity) => {
    if (!access.isAdmin(identity)) throw new Forbidden('admin_required', 'the audit log is for administrators (server.admins)');
  };
  return [
    route({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit entries, oldest first (administrators)',
      tag: 'audit',
      auth: true,
      query: auditQuerySchema,
      response: auditListSchema,
      errors: [403],
      handler: async ({ query, identity }) => {
        requireAdmin(identity);
        return {
          entries: await store.audit.list({
            ...(query.after !== undefined ? { afterSeq: query.after } : {}),
            ...(query.subject ? { subject: query.subject } : {}),
            limit: query.limit ?? 100,
          }),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/audit/verify',
      summary: 'Verify the audit hash chain (administrators)',
      tag: 'audit',
      auth: true,
      response: auditVerificationSchema,
      errors: [403],
      handler: async ({ identity }) => {
        requireAdmin(identity);
        return store.audit.verify();
      },
    }),
  ];
}
