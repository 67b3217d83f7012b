// The README's example runs: its first `ts` block is executed as a module of this package, and
// what it prints must be the `text` block that follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function block(markdown: string, lang: string, after = 0): { text: string; end: number } {
  const start = markdown.indexOf('```' + lang + '\n', after);
  assert.ok(start >= 0, `README has a ${lang} block`);
  const from = start + lang.length + 4;
  const end = markdown.indexOf('\n```', from);
  return { text: markdown.slice(from, end + 1), end };
}

test('README example runs and prints what the README says', { timeout: 300_000 }, async (t) => {
  const readme = await readFile(path.join(pkgRoot, 'README.md'), 'utf8');
  const code = block(readme, 'ts');
  const expected = block(readme, 'text', code.end);
  // Inside the package, so `@shori/delta` resolves to this package (self-reference by name).
  const file = path.join(pkgRoot, `.readme-example-${process.pid}.ts`);
  await writeFile(file, code.text);
  t.after(() => rm(file, { force: true }));
  const { stdout } = await run(process.execPath, [file], { cwd: pkgRoot, timeout: 240_000 });
  assert.equal(stdout, expected.text);
});
