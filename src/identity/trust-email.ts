// `trust_email` on an identity provider: its verified e-mail addresses identify people across
// identity providers, so a bare address in config (a role's scopes, approvers, server.admins)
// also matches that address here (config/principals.ts). Off by default: an identity provider
// that lets users choose their address would otherwise let them become someone else.
import { z } from 'zod';

export const trustEmailSchema = z.boolean().default(false);
