// `aws` provider, `mode: identity_center` (see README.md). The aws factory (../index.ts) loads
// this folder with a dynamic import only when a provider is configured in this mode.
import type { AccessProvider } from '../../provider.js';
import { IdentityCenterAccess, type IdentityCenterOptions } from './provider.js';

export type { IdentityCenterOptions, IdentityCenterGrantData } from './provider.js';
export { IdentityCenterAccess, SESSION_DURATION } from './provider.js';
export { permissionSetName, MAX_HOLDERS } from './naming.js';

export function createIdentityCenterAccess(options: IdentityCenterOptions): AccessProvider {
  return new IdentityCenterAccess(options);
}
