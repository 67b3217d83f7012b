// `npm run bench [-- <suite> [suite options]]`: runs every bench/*.bench.ts that exports
// `{ name, run }` (or only the named suite). Benchmarks print figures; they never assert, and
// nothing here is part of the test suite. Add a suite by dropping a `<name>.bench.ts` file here.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Suite {
  name: string;
  run: (args: string[]) => Promise<void> | void;
  onlyWhenNamed?: boolean;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const [only, ...rest] = process.argv.slice(2);
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort();
const suites: Suite[] = [];
for (const file of files) {
  const mod = (await import(path.join(dir, file))) as Partial<Suite> & { default?: Partial<Suite> };
  const name = mod.name ?? mod.default?.name;
  const run = mod.run ?? mod.default?.run;
  const onlyWhenNamed = mod.onlyWhenNamed ?? mod.default?.onlyWhenNamed ?? false;
  if (typeof name === 'string' && typeof run === 'function') suites.push({ name, run, onlyWhenNamed });
}
// Suites that need the local stack or take long (compare, freshness) run only when named.
const selected = only ? suites.filter((s) => s.name === only) : suites.filter((s) => !s.onlyWhenNamed);
if (selected.length === 0) {
  console.error(`No benchmark suite named '${only}'. Available: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
for (const suite of selected) {
  console.error(`\n=== ${suite.name} ===`);
  const started = performance.now();
  await suite.run(only ? rest : []);
  // On stderr, so a suite's own last line (e.g. `compare: ratio ...`) stays the last line of stdout.
  console.error(`=== ${suite.name}: ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
}
