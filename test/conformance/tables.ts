// The conformance tables and how we read them, shared by the two oracle tests (golden.test.ts
// against delta-rs, spark-oracle.test.ts against Apache Spark): table discovery in
// ../shared/conformance, our read of one version (live files, columns, canonical rows), the
// multiset comparison of canonical rows, and the reason text of a refusal.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError, type DeltaTable, type Snapshot } from '@shori/delta';
import { canonicalRow } from './canonical.ts';
import { BROKEN } from './expected.ts';

export const COLLECTIONS = ['delta-golden', 'delta-rs-tables'];
const NOT_TABLES = new Set(['log-store-read', 'log-store-listFrom']); // plain files for listing tests

export interface TableRef {
  name: string;
  dir: string;
  collection: string;
}

/** Every table (or broken table) under `shared`'s collections, in a stable order. */
export async function discoverTables(shared: string): Promise<TableRef[]> {
  const out: TableRef[] = [];
  for (const collection of COLLECTIONS) {
    const root = path.join(shared, collection);
    for (const entry of (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()) {
      if (NOT_TABLES.has(entry)) continue;
      const dir = path.join(root, entry);
      if (existsSync(path.join(dir, '_delta_log')) || BROKEN.has(entry)) {
        out.push({ name: entry, dir, collection });
        continue;
      }
      for (const sub of (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()) {
        if (existsSync(path.join(dir, sub, '_delta_log'))) out.push({ name: `${entry}/${sub}`, dir: path.join(dir, sub), collection });
      }
    }
  }
  return out;
}

export interface Ours {
  files: string[];
  columns: string[];
  rows?: string[];
  numRows: number | null;
  error?: unknown;
  loadError?: unknown;
}

/** Our read of one version: its snapshot (loadError when that fails) and, unless log-only, its rows. */
export async function readOurs(conn: DuckDBConnection, table: DeltaTable, version: number, logOnly: boolean): Promise<Ours> {
  let snap: Snapshot;
  try {
    snap = await table.snapshotAt(version);
  } catch (loadError) {
    return { files: [], columns: [], numRows: null, loadError };
  }
  const result: Ours = { files: table.dataFileUris(snap).sort(), columns: snap.schema.fields.map((f) => f.name), numRows: snap.numRows };
  if (logOnly) return result;
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM ${table.scanSql(snap)}`);
    result.rows = reader.getRows().map((r) => canonicalRow(r, snap.schema.fields));
  } catch (error) {
    result.error = error;
  }
  return result;
}

/** undefined when `a` and `b` hold the same strings the same number of times, else a short account. */
export function multisetDiff(a: string[], b: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) - 1);
  const extra = [...counts].filter(([, n]) => n > 0).map(([k]) => k);
  const missing = [...counts].filter(([, n]) => n < 0).map(([k]) => k);
  if (!extra.length && !missing.length) return undefined;
  const show = (xs: string[]) =>
    xs
      .slice(0, 3)
      .map((x) => x.slice(0, 160))
      .join(' | ');
  return `ours has ${a.length} rows, reference ${b.length}; only ours: ${show(extra)}; only reference: ${show(missing)}`;
}

/** The reason a read failed: the DeltaError code, the feature it names, and its message. */
export function reason(error: unknown): string {
  if (error instanceof DeltaError) {
    const feature = (error.context as { feature?: string } | undefined)?.feature;
    return `${error.code}${feature ? ` [${feature}]` : ''}: ${error.message}`;
  }
  return String((error as Error)?.message ?? error).split('\n')[0];
}
