// A workflow entry: metadata plus a Serverless Workflow DSL document. The document is kept
// as-is here; the workflow module validates it (injected as LoadOptions.validateWorkflow), and
// `${ ... }` inside it is jq, never an environment reference.
import { z } from 'zod';

export const workflowSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  /** Identity provider used to authenticate the requester; `default` = the server's default. */
  authentication: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  workflow: z
    .record(z.string(), z.unknown())
    .meta({ description: 'A Serverless Workflow DSL 1.0 document (document, use, do)' }),
});

export type WorkflowConfig = z.infer<typeof workflowSchema>;
