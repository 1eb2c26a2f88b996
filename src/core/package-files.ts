// Files of this package found by path (package.json, the code the Temporal SDK bundles, the
// prebuilt workflow bundle). Never relative to the calling module: the `lease` command runs from
// dist/bundle/, where every module lives in a chunk beside the others.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/** The nearest directory above this module that holds package.json: the package's root. */
export const packageRoot: string = (() => {
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${here}`);
  }
})();

/** True under tsx (tests, development): our modules are src/**\/*.ts, not dist/**\/*.js. */
export const runningFromSource = here.endsWith('.ts');

/** The root our modules are named from: src/ under tsx, dist/ otherwise. */
export const codeRoot = join(packageRoot, runningFromSource ? 'src' : 'dist');

/** One of our modules by its path under src/ or dist/, without extension (`workflow/runtime/temporal/workflows`). */
export function ownModulePath(path: string): string {
  return join(codeRoot, `${path}${runningFromSource ? '.ts' : '.js'}`);
}
