// MERGE, copy-on-write or with deletion vectors, with cost following the batch rather than the table:
// 1. stage the source (keys cast to the table types) and require unique keys;
// 2. prune: a temp table of per-file key bounds (partition values, stats min/max) is joined
//    against the source keys; only files whose bounds could hold a source key are candidates;
// 3. join candidate rows to the source (aliases t and s) and pick the first whenMatched clause
//    that holds per row (identified by file + parquet row number);
// 4. rewrite only files with an acted-on row (their other rows are copied unchanged), write
//    inserts (source rows with no match whose whenNotMatched condition holds) to new files. On a
//    table with deletion vectors enabled no file is rewritten: the acted-on rows are marked
//    deleted in each touched file's deletion vector and updated rows go to new files
//    (operations/mark-deleted.ts), so the cost follows the batch, not the files it touches.
// 5. on a Change Data Feed table, write the changes (update pre/post images, deletes, inserts)
//    as cdc files (operations/cdf-write.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from '../errors.ts';
import { fileKey, type AddAction } from '../actions/types.ts';
import type { DeltaField } from '../schema/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { fieldByName, quoteIdent, quoteLiteral, toDuckDbType } from '../schema/duckdb-types.ts';
import { queryColumns, tempName, writeDataFiles } from '../parquet/write-files.ts';
import { buildScanSql, deletedRowsCondition, FILE_COLUMN, ROW_COLUMN } from './scan.ts';
import { prepareDataFiles } from '../storage/paths.ts';
import { removeFor, rowsIn, txnActions, type MergeSpec, type OperationPlan, type WriteOptions } from './types.ts';
import { assertNotAppendOnly } from './write.ts';
import { dvWritable, markDeleted, onlyRows, rowsByFile } from './mark-deleted.ts';
import { asActions, cdfEnabled, writeChangeFiles, CHANGE_TYPE_COLUMN, type ChangeFiles } from './cdf-write.ts';

interface KeyBounds {
  lo: string | null;
  hi: string | null;
}

/** Per-file bounds of one key column as SQL literals (null = unbounded). */
function fileKeyBounds(file: AddAction, column: string, isPartition: boolean): KeyBounds {
  if (isPartition) {
    const v = file.partitionValues?.[column];
    return v === null || v === undefined || v === '' ? { lo: null, hi: null } : { lo: v, hi: v };
  }
  if (!file.stats) return { lo: null, hi: null };
  let stats: { minValues?: Record<string, unknown>; maxValues?: Record<string, unknown> };
  try {
    stats = JSON.parse(file.stats);
  } catch {
    return { lo: null, hi: null };
  }
  const lo = stats.minValues?.[column];
  const hi = stats.maxValues?.[column];
  const text = (v: unknown): string | null => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  return { lo: text(lo), hi: text(hi) };
}

const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte']);
const isAscii = (v: string): boolean => /^[\x00-\x7f]*$/.test(v);

/**
 * For the conflict check: could a file added concurrently hold a row matching one of the source
 * keys? Only "no" when a key column's bounds (stats or partition value) provably miss the source
 * key range: integer keys compared as numbers, ASCII string keys as strings (byte order, as the
 * engine compares). Everything else is conservatively "maybe".
 */
function concurrentAddMayMatch(
  keyFields: DeltaField[],
  partitionSet: Set<string>,
  ranges: Array<{ lo: string | null; hi: string | null }>,
): (add: AddAction) => boolean {
  return (add) => {
    for (let i = 0; i < keyFields.length; i++) {
      const f = keyFields[i];
      const src = ranges[i];
      if (src.lo === null || src.hi === null) continue;
      const b = fileKeyBounds(add, f.name, partitionSet.has(f.name));
      if (b.lo === null || b.hi === null) continue;
      if (INTEGER_TYPES.has(f.type as string)) {
        const [lo, hi, slo, shi] = [b.lo, b.hi, src.lo, src.hi].map(Number);
        if ([lo, hi, slo, shi].every(Number.isSafeInteger) && (hi < slo || lo > shi)) return false;
      } else if (f.type === 'string' && [b.lo, b.hi, src.lo, src.hi].every(isAscii)) {
        if (b.hi < src.lo || b.lo > src.hi) return false;
      }
    }
    return true;
  };
}

export async function planMerge(
  conn: DuckDBConnection,
  storage: Storage,
  snapshot: TableSnapshot,
  spec: MergeSpec,
  options: WriteOptions = {},
): Promise<OperationPlan> {
  if (spec.on.length === 0) throw new DeltaError('DELTA_PROTOCOL', 'merge needs at least one key column in `on`');
  const now = Date.now();
  const keyFields = spec.on.map((k) => fieldByName(snapshot.schema, k));
  const partitionSet = new Set(snapshot.partitionColumns);
  const src = tempName('msrc');
  const bounds = tempName('mfiles');
  const act = tempName('mact');
  const cleanup: string[] = [];
  try {
    // 1. Stage the source with table-typed table columns and a row id.
    const present = await queryColumns(conn, spec.sourceSql);
    for (const k of spec.on) {
      if (!present.has(k)) throw new DeltaError('DELTA_PROTOCOL', `merge source has no key column '${k}'`, { context: { column: k } });
    }
    const writes = (spec.whenNotMatched ?? []).length > 0 || (spec.whenMatched ?? []).some((c) => c.action === 'update');
    const missing = snapshot.schema.fields.filter((f) => !present.has(f.name));
    if (writes && missing.some((f) => !f.nullable)) {
      throw new DeltaError(
        'DELTA_PROTOCOL',
        `merge source lacks required column(s) ${missing
          .filter((f) => !f.nullable)
          .map((f) => f.name)
          .join(', ')}`,
        { context: { missing: missing.map((f) => f.name) } },
      );
    }
    const replace = snapshot.schema.fields
      .filter((f) => present.has(f.name))
      .map((f) => `CAST(${quoteIdent(f.name)} AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`)
      .join(', ');
    const added = missing.map((f) => `, CAST(NULL AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`).join('');
    cleanup.push(src);
    await conn.run(
      `CREATE TEMP TABLE ${src} AS SELECT row_number() OVER () AS __sid, *${replace ? ` REPLACE (${replace})` : ''}${added} FROM (${spec.sourceSql}) AS __s`,
    );
    const keyList = spec.on.map(quoteIdent).join(', ');
    const dup = (await conn.runAndReadAll(`SELECT ${keyList}, count(*) AS n FROM ${src} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`)).getRowObjectsJson();
    if (dup.length > 0) {
      throw new DeltaError(
        'DELTA_PROTOCOL',
        `merge source has more than one row for key ${JSON.stringify(dup[0])}. Help: deduplicate the source on (${spec.on.join(', ')}) before merging.`,
        { context: { key: dup[0] } },
      );
    }

    const rangeRow = (
      await conn.runAndReadAll(`SELECT ${spec.on.map((k) => `min(${quoteIdent(k)})::VARCHAR, max(${quoteIdent(k)})::VARCHAR`).join(', ')} FROM ${src}`)
    ).getRows()[0];
    const keyRanges = spec.on.map((_, i) => ({
      lo: rangeRow[2 * i] === null ? null : String(rangeRow[2 * i]),
      hi: rangeRow[2 * i + 1] === null ? null : String(rangeRow[2 * i + 1]),
    }));

    // 2. Candidate files by key bounds.
    let candidates: AddAction[] = [];
    if (snapshot.files.length > 0) {
      const cols = keyFields.map((f, i) => `lo${i} ${toDuckDbType(f.type)}, hi${i} ${toDuckDbType(f.type)}`).join(', ');
      cleanup.push(bounds);
      await conn.run(`CREATE TEMP TABLE ${bounds} (idx INTEGER, ${cols})`);
      const files = snapshot.files;
      const literal = (v: string | null, type: string): string => {
        if (v === null) return 'NULL';
        const zoned = type === 'TIMESTAMPTZ' && !/(Z|[+-]\d{2}(:?\d{2})?)$/.test(v) ? `${v}+00` : v;
        return `TRY_CAST(${quoteLiteral(zoned)} AS ${type})`;
      };
      for (let start = 0; start < files.length; start += 500) {
        const rows = files.slice(start, start + 500).map((file, j) => {
          const parts = keyFields.map((f) => {
            const b = fileKeyBounds(file, f.name, partitionSet.has(f.name));
            const type = toDuckDbType(f.type);
            return `${literal(b.lo, type)}, ${literal(b.hi, type)}`;
          });
          return `(${start + j}, ${parts.join(', ')})`;
        });
        await conn.run(`INSERT INTO ${bounds} VALUES ${rows.join(', ')}`);
      }
      const within = keyFields
        .map((f, i) => `(b.lo${i} IS NULL OR s.${quoteIdent(f.name)} >= b.lo${i}) AND (b.hi${i} IS NULL OR s.${quoteIdent(f.name)} <= b.hi${i})`)
        .join(' AND ');
      const idx = (await conn.runAndReadAll(`SELECT b.idx FROM ${bounds} AS b WHERE EXISTS (SELECT 1 FROM ${src} AS s WHERE ${within})`))
        .getRows()
        .map((r) => Number(r[0]));
      candidates = idx.sort((a, b) => a - b).map((i) => files[i]);
    }

    // 3. Matched rows and the clause that applies to each.
    const matched = spec.whenMatched ?? [];
    const clauseCase =
      matched.length === 0
        ? 'CAST(NULL AS INTEGER)'
        : `CASE ${matched.map((c, i) => `WHEN ${c.condition ? `(${c.condition})` : 'true'} THEN ${i}`).join(' ')} END`;
    const on = spec.on.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
    await prepareDataFiles(
      storage,
      candidates.map((f) => f.path),
    );
    // Deleted rows are dropped after the join (a few matches), not tested row by row in the scan.
    const candidateScan = buildScanSql(storage, snapshot, candidates, { withFile: true, withRowNumber: true, ignoreDeletionVectors: true });
    cleanup.push(act);
    await conn.run(
      `CREATE TEMP TABLE ${act} AS SELECT t.${FILE_COLUMN} AS __f, t.${ROW_COLUMN} AS __rn, s.__sid AS __sid, ${clauseCase} AS __clause FROM ${candidateScan} AS t JOIN ${src} AS s ON ${on}`,
    );
    if (candidates.some((f) => f.deletionVector)) {
      await conn.run(`DELETE FROM ${act} WHERE ${deletedRowsCondition(snapshot, candidates, '__f', '__rn')}`);
    }
    const counts = (await conn.runAndReadAll(`SELECT __clause, count(*) FROM ${act} WHERE __clause IS NOT NULL GROUP BY 1`)).getRows();
    let updated = 0;
    let deleted = 0;
    for (const [clause, n] of counts) {
      if (matched[Number(clause)].action === 'update') updated += Number(n);
      else deleted += Number(n);
    }
    const touchedPaths = new Set((await conn.runAndReadAll(`SELECT DISTINCT __f FROM ${act} WHERE __clause IS NOT NULL`)).getRows().map((r) => String(r[0])));
    const touched = candidates.filter((f) => touchedPaths.has(f.path));
    if (touched.length > 0) assertNotAppendOnly(snapshot, 'merge');

    // 4. New content: kept rows of touched files (copy-on-write only), updated rows, inserts. With
    //    deletion vectors the matched rows of touched files are marked deleted instead (below) and
    //    the change data reads only those rows.
    const tableCols = snapshot.schema.fields.map((f) => quoteIdent(f.name));
    const parts: string[] = [];
    const changes: string[] = [];
    const changeType = (type: string) => `${quoteLiteral(type)} AS ${CHANGE_TYPE_COLUMN}`;
    const matchedRows =
      touched.length > 0 && dvWritable(snapshot) ? await rowsByFile(conn, `SELECT __f, __rn FROM ${act} WHERE __clause IS NOT NULL`) : undefined;
    if (touched.length > 0) {
      const touchedScan = buildScanSql(storage, matchedRows ? onlyRows(snapshot, matchedRows) : snapshot, touched, { withFile: true, withRowNumber: true });
      if (!matchedRows)
        parts.push(
          `SELECT ${tableCols.map((c) => `t.${c}`).join(', ')} FROM ${touchedScan} AS t ANTI JOIN (SELECT __f, __rn FROM ${act} WHERE __clause IS NOT NULL) AS a ON a.__f = t.${FILE_COLUMN} AND a.__rn = t.${ROW_COLUMN}`,
        );
      const updateClauses = matched.map((c, i) => (c.action === 'update' ? i : -1)).filter((i) => i >= 0);
      const updateList = updateClauses.length > 0 ? updateClauses.join(', ') : '-1';
      if (updateClauses.length > 0) {
        parts.push(
          `SELECT ${tableCols.map((c) => `s.${c}`).join(', ')} FROM ${act} AS a JOIN ${src} AS s ON s.__sid = a.__sid WHERE a.__clause IN (${updateList})`,
        );
        changes.push(
          `SELECT ${tableCols.map((c) => `s.${c}`).join(', ')}, ${changeType('update_postimage')} FROM ${act} AS a JOIN ${src} AS s ON s.__sid = a.__sid WHERE a.__clause IN (${updateList})`,
        );
      }
      changes.push(
        `SELECT ${tableCols.map((c) => `t.${c}`).join(', ')}, CASE WHEN a.__clause IN (${updateList}) THEN 'update_preimage' ELSE 'delete' END AS ${CHANGE_TYPE_COLUMN} FROM ${touchedScan} AS t JOIN (SELECT __f, __rn, __clause FROM ${act} WHERE __clause IS NOT NULL) AS a ON a.__f = t.${FILE_COLUMN} AND a.__rn = t.${ROW_COLUMN}`,
      );
    }
    const notMatched = spec.whenNotMatched ?? [];
    let inserted = 0;
    if (notMatched.length > 0) {
      const cond = notMatched.some((c) => !c.condition) ? 'true' : notMatched.map((c) => `(${c.condition}) IS TRUE`).join(' OR ');
      const insertSql = `SELECT ${tableCols.map((c) => `s.${c}`).join(', ')} FROM ${src} AS s WHERE s.__sid NOT IN (SELECT __sid FROM ${act}) AND (${cond})`;
      inserted = Number((await conn.runAndReadAll(`SELECT count(*) FROM (${insertSql})`)).getRows()[0][0]);
      if (inserted > 0) {
        parts.push(insertSql);
        changes.push(`SELECT *, ${changeType('insert')} FROM (${insertSql})`);
      }
    }
    const adds = parts.length > 0 ? await writeDataFiles(conn, storage, snapshot, parts.join(' UNION ALL ')) : [];
    const cdc: ChangeFiles =
      changes.length > 0 && cdfEnabled(snapshot) ? await writeChangeFiles(conn, storage, snapshot, changes.join(' UNION ALL ')) : { actions: [], files: [] };
    const marked = matchedRows ? await markDeleted(storage, snapshot, touched, matchedRows, now) : undefined;
    const removes = marked ? marked.removes : touched.map((f) => removeFor(f, now));
    const written = rowsIn(adds);
    const filesRemoved = marked ? marked.filesRemoved : removes.length;
    return {
      written: [...adds, ...cdc.files, ...(marked?.written ?? [])],
      result: {
        filesAdded: adds.length,
        filesRemoved,
        rowsWritten: written,
        rowsUpdated: updated,
        rowsDeleted: deleted,
        rowsInserted: inserted,
        deletionVectors: marked?.adds.length ?? 0,
      },
      pending: {
        readVersion: snapshot.version,
        operation: options.operation ?? 'MERGE',
        operationParameters: options.operationParameters ?? {
          predicate: spec.on.map((k) => `t.${k} = s.${k}`).join(' AND '),
          // JSON-encoded strings, as Spark writes them (it reads every parameter as a string).
          matchedPredicates: JSON.stringify(matched.map((c) => ({ actionType: c.action, ...(c.condition ? { predicate: c.condition } : {}) }))),
          notMatchedPredicates: JSON.stringify(notMatched.map((c) => ({ actionType: c.action, ...(c.condition ? { predicate: c.condition } : {}) }))),
          notMatchedBySourcePredicates: '[]',
        },
        operationMetrics: {
          numTargetRowsUpdated: updated,
          numTargetRowsDeleted: deleted,
          numTargetRowsInserted: inserted,
          numTargetRowsCopied: Math.max(0, written - updated - inserted),
          numTargetFilesAdded: adds.length,
          numTargetFilesRemoved: filesRemoved,
          ...(marked
            ? {
                numTargetDeletionVectorsAdded: marked.vectorsAdded,
                numTargetDeletionVectorsUpdated: marked.vectorsUpdated,
                numTargetDeletionVectorsRemoved: marked.vectorsRemoved,
              }
            : {}),
          numTargetFilesScanned: candidates.length,
          numTargetFilesSkipped: snapshot.files.length - candidates.length,
          numSourceRows: Number((await conn.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRows()[0][0]),
        },
        actions: [
          ...txnActions(options.txns, now),
          ...removes.map((remove) => ({ remove })),
          ...(marked?.adds ?? []).map((add) => ({ add })),
          ...adds.map((add) => ({ add })),
          ...asActions(cdc),
        ],
        read: { readFiles: new Set(candidates.map(fileKey)), readsData: true, mayMatch: concurrentAddMayMatch(keyFields, partitionSet, keyRanges) },
        isBlindAppend: false,
      },
    };
  } finally {
    for (const name of cleanup) await conn.run(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
  }
}
