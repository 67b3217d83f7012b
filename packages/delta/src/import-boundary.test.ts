// The package stands alone: every import in its source is a file inside the package, a Node.js
// built-in, or one of the dependencies its package.json declares; nothing from the service that
// embeds it (no path leaving the package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every module specifier of a TypeScript source: static imports, re-exports, dynamic imports. */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]);
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

test('specifiers() finds static, re-export, side-effect and dynamic imports', () => {
  const src = `import a from 'x';\nexport { b } from "../y.ts";\nimport 'z';\nconst c = await import('w');\nimport type { T } from './t.ts';`;
  assert.deepEqual(specifiers(src).sort(), ['../y.ts', './t.ts', 'w', 'x', 'z']);
});

test('@shori/delta imports only its own files, node: built-ins and its declared dependencies', async () => {
  const manifest = JSON.parse(await readFile(path.join(pkgRoot, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
  const files = await sourceFiles(path.join(pkgRoot, 'src'));
  assert.ok(files.length > 30, `found only ${files.length} source files`);
  const offending: string[] = [];
  for (const file of files) {
    if (file === fileURLToPath(import.meta.url)) continue; // its own examples
    for (const spec of specifiers(await readFile(file, 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(pkgRoot + path.sep)) offending.push(`${path.relative(pkgRoot, file)}: ${spec} (outside the package)`);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!declared.has(name)) offending.push(`${path.relative(pkgRoot, file)}: ${spec} (not a declared dependency)`);
    }
  }
  assert.deepEqual(offending, []);
});
