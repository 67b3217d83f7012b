// `npm run generate`: a separate process that writes a configurable workload into the sources.
//   --count N        run N operations and exit (default: run until Ctrl-C)
//   --rate R         operations per second across all sources (default 20; 0 = as fast as possible)
//   --mix I,U,D      relative weights of inserts, updates, deletes (default 50,40,10)
//   --sources a,b    which sources (default EMBEDDED_SOURCES: shorisql_1,shorisql_2)
//   --target KIND    embedded (default)
//   --bursts F       fraction of updates that are bursts of 5 rapid updates of one row (default 0.05)
//   --key-changes F  fraction of updates that change the primary key (default 0)
//   --related F      chance, after each ticket operation, of one Customers/Agents operation (default 0.3)
//   --ddl            apply the DDL steps (Customers ADD COLUMN Phone; Agents.Level int → bigint;
//                    Customers.CreditLimit decimal(12,2) → (14,2); Customers.Name varchar(200) → (400))
//                    halfway through --count (or after --ddl-after N ticket operations); each step once
//   --seed S         PRNG seed for a reproducible run
//   --json           print only a final JSON line with the counts
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { runWorkload } from './runner.ts';
import { createTargets, TARGET_KINDS, type TargetKind } from './targets.ts';

function fail(message: string): never {
  process.stderr.write(`generate: ${message}\n`);
  process.exit(2);
}

function parseFraction(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) fail(`--${name} must be a number from 0 to 1, got ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      rate: { type: 'string' },
      mix: { type: 'string' },
      sources: { type: 'string' },
      target: { type: 'string' },
      bursts: { type: 'string' },
      'key-changes': { type: 'string' },
      related: { type: 'string' },
      ddl: { type: 'boolean' },
      'ddl-after': { type: 'string' },
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const config = loadConfig();
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) fail(`--count must be a whole number, got ${JSON.stringify(values.count)}`);
  const rate = values.rate === undefined ? 20 : Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) fail(`--rate must be a number >= 0, got ${JSON.stringify(values.rate)}`);
  const mixParts = (values.mix ?? '50,40,10').split(',').map(Number);
  if (mixParts.length !== 3 || mixParts.some((n) => !Number.isFinite(n) || n < 0) || mixParts.every((n) => n === 0)) {
    fail(`--mix must be three non-negative weights I,U,D, got ${JSON.stringify(values.mix)}`);
  }
  const kind = (values.target ?? 'embedded') as TargetKind;
  if (!TARGET_KINDS.includes(kind)) fail(`--target must be one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(values.target)}`);
  const sources = values.sources
    ? values.sources
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

  const ddlAfterText = values['ddl-after'];
  const ddlAfter = ddlAfterText !== undefined ? Number(ddlAfterText) : values.ddl ? Math.floor((count ?? 200) / 2) : undefined;
  if (ddlAfter !== undefined && (!Number.isInteger(ddlAfter) || ddlAfter < 0)) fail(`--ddl-after must be a whole number, got ${JSON.stringify(ddlAfterText)}`);

  const targets = await createTargets(kind, config, sources);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  let lastPrint = 0;
  const stats = await runWorkload({
    targets,
    rate,
    count,
    mix: { insert: mixParts[0], update: mixParts[1], delete: mixParts[2] },
    seed: values.seed === undefined ? undefined : Number(values.seed),
    burstFraction: parseFraction('bursts', values.bursts, 0.05),
    keyChangeFraction: parseFraction('key-changes', values['key-changes'], 0),
    relatedFraction: parseFraction('related', values.related, 0.3),
    ddlAfter,
    signal: controller.signal,
    onProgress: (s) => {
      if (!values.quiet && !values.json && Date.now() - lastPrint > 2000) {
        lastPrint = Date.now();
        process.stdout.write(`generate: ${s.operations} operations (${s.inserts} inserts, ${s.updates} updates, ${s.deletes} deletes)\n`);
      }
    },
  });
  for (const t of targets) await t.close();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ done: true, ...stats })}\n`);
    return;
  }
  process.stdout.write(
    `generate: done: ${stats.operations} operations (${stats.inserts} inserts, ${stats.updates} updates incl. ${stats.keyChanges} key changes, ${stats.deletes} deletes) and ${stats.related} Customers/Agents operations in ${(stats.elapsedMs / 1000).toFixed(1)} s\n${stats.ddl.map((d) => `generate: DDL ${d}\n`).join('')}`,
  );
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
