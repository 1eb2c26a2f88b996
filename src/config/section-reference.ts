// A section may be given as a reference instead of inline: `roles: {path: ./roles}` loads the
// roles from the YAML files there (a file or a directory, relative to the declaring file);
// `{url: ...}` is part of the format but not supported yet. A referenced file holds
// `version` and that one section, inline: references do not chain.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readConfigDocument, type ConfigDocument, type ReadContext } from './config-document.js';
import { listConfigFiles } from './config-files.js';
import { isPlainObject } from './plain-object.js';
import { ENTRY_SECTIONS, type EntrySection } from './schema/index.js';

export type SectionReference = { path: string } | { url: string };

/**
 * A reference is a map with exactly one key, `path` or `url`, holding a string. An inline map
 * with an entry named `path` holds an object there, so the two cannot be confused.
 */
export function asSectionReference(value: unknown): SectionReference | undefined {
  if (!isPlainObject(value) || Object.keys(value).length !== 1) return undefined;
  if (typeof value.path === 'string') return { path: value.path };
  if (typeof value.url === 'string') return { url: value.url };
  return undefined;
}

/** Replaces each `{path}` / `{url}` section of `doc` by the documents it refers to. */
export async function expandSectionReferences(doc: ConfigDocument, ctx: ReadContext): Promise<ConfigDocument[]> {
  const data = { ...doc.data };
  const out: ConfigDocument[] = [{ file: doc.file, data }];
  for (const section of ENTRY_SECTIONS) {
    const reference = asSectionReference(data[section]);
    if (reference === undefined) continue;
    delete data[section];
    if ('url' in reference) {
      ctx.log.error(doc.file, [section, 'url'], 'loading from a URL is not supported yet; use {path: ...}');
      continue;
    }
    out.push(...(await loadReferencedSection(doc.file, section, reference.path, ctx)));
  }
  return out;
}

async function loadReferencedSection(
  declaringFile: string,
  section: EntrySection,
  path: string,
  ctx: ReadContext,
): Promise<ConfigDocument[]> {
  const target = isAbsolute(path) ? path : join(dirname(declaringFile), path);
  const listed = await listConfigFiles(target);
  if ('problem' in listed) {
    ctx.log.error(declaringFile, [section, 'path'], `${target}: ${listed.problem}`);
    return [];
  }
  const docs: ConfigDocument[] = [];
  for (const file of listed.files) {
    // A directory location includes its subdirectories: `roles: {path: ./roles}` beside them
    // names files already read whole, which is what the reference asks for.
    if (ctx.location.has(resolve(file))) continue;
    if (ctx.loaded.has(resolve(file))) {
      ctx.log.error(declaringFile, [section, 'path'], `${file} is already part of the config; a file is loaded once`);
      continue;
    }
    const doc = await readConfigDocument(file, ctx);
    if (doc) docs.push(keepOnlySection(doc, section, declaringFile, ctx));
  }
  return docs;
}

function keepOnlySection(doc: ConfigDocument, section: EntrySection, declaringFile: string, ctx: ReadContext): ConfigDocument {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.data)) {
    if (key === 'version') {
      data.version = value;
    } else if (key !== section) {
      ctx.log.error(doc.file, [key], `only "${section}" is read from this file: it is loaded through ${declaringFile} ${section}.path`);
    } else if (asSectionReference(value) !== undefined) {
      ctx.log.error(doc.file, [key], 'a file loaded through a reference cannot itself reference other files');
    } else {
      data[section] = value;
    }
  }
  return { file: doc.file, data };
}
