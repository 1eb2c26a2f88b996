import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeRoot, ownModulePath, packageRoot, runningFromSource } from './package-files.js';

describe('package files', () => {
  it('finds the package root and names our modules from src/ under tsx', () => {
    assert.equal((JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name: string }).name, 'lease-access');
    assert.equal(runningFromSource, true);
    assert.equal(codeRoot, join(packageRoot, 'src'));
    const workflows = ownModulePath('workflow/runtime/temporal/workflows');
    assert.equal(workflows, join(packageRoot, 'src/workflow/runtime/temporal/workflows.ts'));
    assert.ok(existsSync(workflows));
  });
});
