// The exactly-once check shared by the crash-point test and the chaos runner, on the embedded
// default. The expected set is read independently of the pipeline: every record the embedded
// capture published (held, see embedded-capture.ts) and the source tables themselves.
//   lost        feed records missing from Bronze, source changes missing from history, source rows
//               missing from Silver or different there
//   duplicated  a feed record in Bronze more than once (by topic/partition/offset), a source change
//               in history more than once (by source and order key), anything neither should hold
//   resurrected Silver rows whose key no longer exists at the source
//   quarantined rows in `silver/_rejected` (every generated row is good: each one is wrong)
// The same counts cover the generic tables the generator writes besides Tickets (Customers, Agents:
// related-tables.ts). `problems` also lists Gold aggregates that differ from the sources and table
// files referenced by a Delta log but missing on disk.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { decodeMessage } from '../../src/sources/debezium/decode.ts';
import { DeltaTable } from '@shori/delta';
import { capturedRecords } from './embedded-capture.ts';
import { diffRows, silverTickets, sourceTickets } from './lake.ts';
import { queryOn } from './query-on.ts';
import { goldDifferences } from './gold-expected.ts';
import { verifyRelated } from './related-tables.ts';

export interface Verdict {
  lost: number;
  duplicated: number;
  resurrected: number;
  quarantined: number;
  problems: string[];
  /** Counts behind the verdict, for the reader. */
  seen: { records: number; changes: number; tickets: number; relatedChanges?: number };
}

export const isClean = (v: Verdict) => v.lost + v.duplicated + v.resurrected + v.quarantined === 0 && v.problems.length === 0;

export const chaosLine = (trials: number, v: Verdict) =>
  `chaos: ${trials} trials, ${v.lost} lost, ${v.duplicated} duplicated, ${v.resurrected} resurrected, ${v.quarantined} wrongly quarantined`;

const lake = (dataDir: string, ...parts: string[]) => join(dataDir, 'datalake', ...parts);

/** Every Delta table under DATA_DIR/datalake, as `<layer>/<name>`. */
export function deltaTables(dataDir: string): string[] {
  const out: string[] = [];
  for (const layer of ['bronze', 'silver', 'gold']) {
    if (!existsSync(lake(dataDir, layer))) continue;
    for (const name of readdirSync(lake(dataDir, layer))) {
      if (existsSync(lake(dataDir, layer, name, '_delta_log'))) out.push(`${layer}/${name}`);
    }
  }
  return out.sort();
}

/** Files the current version of each table references that are not on disk. */
export async function missingFiles(dataDir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const t of deltaTables(dataDir)) {
    const table = await DeltaTable.open(lake(dataDir, t));
    for (const add of table.snapshot.files) {
      const rel = decodeURIComponent(add.path);
      if (!existsSync(join(lake(dataDir, t), rel))) missing.push(`${t}/${rel}`);
    }
  }
  return missing;
}

/** Counts each key's occurrences beyond the expected set: [missing, extra]. */
function compareCounts(expected: Set<string>, held: Map<string, number>): [number, number, string[]] {
  let missing = 0;
  let extra = 0;
  const examples: string[] = [];
  for (const k of expected) {
    if (!held.has(k)) {
      missing++;
      if (examples.length < 5) examples.push(`missing ${k}`);
    }
  }
  for (const [k, n] of held) {
    const over = expected.has(k) ? n - 1 : n;
    if (over > 0) {
      extra += over;
      if (examples.length < 10) examples.push(`${expected.has(k) ? 'duplicate' : 'unexpected'} ${k} (x${n})`);
    }
  }
  return [missing, extra, examples];
}

const countsOf = (rows: Array<Record<string, string | null>>) => new Map(rows.map((r) => [String(r.k), Number(r.n)]));

export async function verifyLake(dataDir: string, sources: string[]): Promise<Verdict> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    return await verifyWith(conn, dataDir, sources);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function verifyWith(conn: DuckDBConnection, dataDir: string, sources: string[]): Promise<Verdict> {
  const problems: string[] = [];
  const records = sources.flatMap((s) => capturedRecords(dataDir, s));
  const expectedRecords = new Set(records.map((r) => `${r.stream}/${r.partition}/${r.position}`));
  const expectedChanges = new Set<string>();
  for (const r of records) {
    if (r.value === null) continue;
    const d = decodeMessage(r.key, r.value);
    // History here is Tickets' (`silver/tickets_history`); the other tables': related-tables.ts.
    if (d.ok && d.value.kind === 'change' && d.value.source.table === 'Tickets') expectedChanges.add(`${d.value.source.name}/${d.value.seq}`);
  }

  const missingOnDisk = await missingFiles(dataDir);
  for (const m of missingOnDisk.slice(0, 10)) problems.push(`referenced file missing: ${m}`);
  if (missingOnDisk.length > 0) {
    problems.push(`${missingOnDisk.length} referenced files missing`);
    return { lost: 0, duplicated: 0, resurrected: 0, quarantined: 0, problems, seen: { records: records.length, changes: expectedChanges.size, tickets: 0 } };
  }

  const bronze = await queryOn(
    conn,
    lake(dataDir, 'bronze', 'cdc_events'),
    (scan) => `SELECT topic || '/' || "partition" || '/' || "offset" AS k, count(*)::INT AS n FROM ${scan} AS t GROUP BY ALL`,
  );
  const [bronzeLost, bronzeDup, bronzeEx] = compareCounts(expectedRecords, countsOf(bronze));
  for (const e of bronzeEx) problems.push(`bronze: ${e}`);

  const history = await queryOn(
    conn,
    lake(dataDir, 'silver', 'tickets_history'),
    (scan) => `SELECT "source" || '/' || "_seq" AS k, count(*)::INT AS n FROM ${scan} AS t GROUP BY ALL`,
  );
  const [historyLost, historyDup, historyEx] = compareCounts(expectedChanges, countsOf(history));
  for (const e of historyEx) problems.push(`history: ${e}`);

  const expectedRows = sourceTickets(dataDir, sources);
  const silver = await silverTickets(dataDir);
  let silverLost = 0;
  let resurrected = 0;
  for (const [key, row] of expectedRows) {
    if (diffRows(new Map([[key, row]]), new Map(silver.has(key) ? [[key, silver.get(key)!]] : [])).length > 0) silverLost++;
  }
  for (const key of silver.keys()) if (!expectedRows.has(key)) resurrected++;
  for (const d of diffRows(expectedRows, silver, 10)) problems.push(`silver: ${d}`);

  let quarantined = 0;
  if (existsSync(lake(dataDir, 'silver', '_rejected', '_delta_log'))) {
    const [q] = await queryOn(conn, lake(dataDir, 'silver', '_rejected'), (scan) => `SELECT count(*)::INT AS n FROM ${scan} AS t`);
    quarantined = Number(q.n);
  }

  const related = await verifyRelated(conn, dataDir, sources, records);
  problems.push(...related.problems);
  for (const d of await goldDifferences(dataDir, sources, conn)) problems.push(`gold: ${d}`);
  // Problems name examples of each count, and the failures no count covers (Gold).
  return {
    lost: bronzeLost + historyLost + silverLost + related.lost,
    duplicated: bronzeDup + historyDup + related.duplicated,
    resurrected: resurrected + related.resurrected,
    quarantined,
    problems,
    seen: { records: records.length, changes: expectedChanges.size, tickets: expectedRows.size, relatedChanges: related.changes },
  };
}

/** Verifies until clean (derived tables catch up on their own) or until `timeoutMs`; the last verdict. */
export async function verifyConverged(dataDir: string, sources: string[], timeoutMs = 60_000): Promise<Verdict> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let verdict: Verdict;
    try {
      verdict = await verifyLake(dataDir, sources);
    } catch (error) {
      verdict = {
        lost: 0,
        duplicated: 0,
        resurrected: 0,
        quarantined: 0,
        problems: [`verification failed: ${(error as Error).message}`],
        seen: { records: 0, changes: 0, tickets: 0 },
      };
    }
    if (isClean(verdict) || Date.now() >= deadline) return verdict;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
