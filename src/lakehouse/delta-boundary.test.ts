// The service uses @shori/delta through its entry point only: no file of the service, its tests,
// benchmarks, scripts or dashboard reaches into packages/delta/ by path or by a package subpath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const packageDir = path.join(repo, 'packages', 'delta');

function specifiers(source: string): string[] {
  const patterns = [/^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/gm, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\s*\(\s*['"]([^'"]+)['"]/g];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]));
}

test('the service imports @shori/delta only as "@shori/delta"', async () => {
  const offending: string[] = [];
  let users = 0;
  for (const top of ['src', 'test', 'bench', 'scripts', 'bin', 'dashboard']) {
    const entries = await readdir(path.join(repo, top), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile() || !/\.(ts|tsx|js|mjs)$/.test(e.name) || e.parentPath.includes('node_modules')) continue;
      const file = path.join(e.parentPath, e.name);
      for (const spec of specifiers(await readFile(file, 'utf8'))) {
        if (spec === '@shori/delta') {
          users++;
          continue;
        }
        const intoPackage =
          spec.startsWith('@shori/delta/') ||
          (spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(packageDir + path.sep)) ||
          spec.includes('lakehouse/delta/');
        if (intoPackage) offending.push(`${path.relative(repo, file)}: ${spec}`);
      }
    }
  }
  assert.deepEqual(offending, []);
  assert.ok(users >= 5, `expected the service to import @shori/delta, found ${users} imports`);
});
