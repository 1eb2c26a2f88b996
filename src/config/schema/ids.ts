// Ids of roles, providers and workflows appear in URLs, CLI arguments and audit records, so
// they are plain tokens. No colon: in `inherits`, `<provider>:<native role>` names a role that
// already exists on the target, so a local role id with a colon could never be inherited.
import { z } from 'zod';

export const ENTRY_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const entryIdSchema = z
  .string()
  .regex(ENTRY_ID_PATTERN, { error: 'an id may contain only letters, digits, "_", "." and "-"' });

/** A reference to another entry by id (a role's providers, workflow, ...). */
export const idRefSchema = z.string().min(1);
