// JSON Schemas for kubeconform, made from the Kubernetes OpenAPI v2 document (the one the API
// server serves at /openapi/v2), the way kubeconform's own schema sets are made: one standalone
// schema per kind (every $ref inlined), strict (an object with listed properties allows no
// others), named <kind>-<group>-<version>.json for the schema location
// `<dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json`.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Schema = Record<string, unknown>;
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** kubeconform's file name for a kind: `deployment-apps-v1`, `service-v1`, `networkpolicy-networking-v1`. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [groupOrVersion = '', version] = apiVersion.split('/');
  const suffix = version === undefined ? groupOrVersion : `${groupOrVersion.split('.')[0]}-${version}`;
  return `${kind.toLowerCase()}-${suffix.toLowerCase()}.json`;
}

/**
 * Writes a schema for each kind in `kinds` (`apps/v1 Deployment`, ...) that the document defines;
 * returns the ones it does not (a custom resource, for instance).
 */
export async function writeKubeconformSchemas(openApiPath: string, kinds: Array<{ apiVersion: string; kind: string }>, dir: string): Promise<Array<{ apiVersion: string; kind: string }>> {
  const definitions = (JSON.parse(readFileSync(openApiPath, 'utf8')) as { definitions: Record<string, Schema> }).definitions;
  const byKind = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of (def['x-kubernetes-group-version-kind'] as Gvk[] | undefined) ?? []) {
      byKind.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`, name);
    }
  }
  await mkdir(dir, { recursive: true });
  const missing: Array<{ apiVersion: string; kind: string }> = [];
  for (const k of kinds) {
    const name = byKind.get(`${k.apiVersion} ${k.kind}`);
    if (name === undefined) {
      missing.push(k);
      continue;
    }
    const schema = { $schema: 'http://json-schema.org/schema#', ...inline(definitions, definitions[name]!, [name]) };
    await writeFile(join(dir, schemaFileName(k.apiVersion, k.kind)), JSON.stringify(schema));
  }
  return missing;
}

function inline(definitions: Record<string, Schema>, schema: Schema, stack: string[]): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/definitions/', '');
    // A recursive type (none among the kinds a chart renders) is left open at the second level.
    if (stack.includes(name)) return {};
    if (name === QUANTITY) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    return inline(definitions, definitions[name] ?? {}, [...stack, name]);
  }
  if (schema.format === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([p, s]) => [p, inline(definitions, s, stack)]));
    } else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
      out[key] = (value as Schema[]).map((s) => inline(definitions, s, stack));
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) {
      out[key] = inline(definitions, value as Schema, stack);
    } else if (!key.startsWith('x-kubernetes-')) {
      out[key] = value;
    }
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
