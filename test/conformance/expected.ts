// What EXPECTED.md states, for the versions delta-rs (the reference reader) cannot read: the
// "Derived" per-version file/row counts parsed from the EXPECTED.md files, and the "Stated" rows
// of the tables delta-rs refuses (deletion vectors, column mapping by id, V2 checkpoints, its
// negative-decimal partition bug), written in the canonical row form of canonical.ts.
import { readFileSync } from 'node:fs';
import { fmtFloat, fmtMicros } from './canonical.ts';

export interface Derived {
  files: number;
  rows: number;
}

/** table section name -> version -> counts. */
export function parseDerived(markdownPath: string): Map<string, Map<number, Derived>> {
  const out = new Map<string, Map<number, Derived>>();
  let section = '';
  for (const line of readFileSync(markdownPath, 'utf8').split('\n')) {
    const head = /^#{2,3} (\S+)\s*$/.exec(line);
    if (head) {
      section = head[1];
      continue;
    }
    if (!line.startsWith('- Derived')) continue;
    const versions = new Map<number, Derived>();
    for (const m of line.matchAll(/v(\d+): (\d+) files \/ (\d+) rows/g)) versions.set(Number(m[1]), { files: Number(m[2]), rows: Number(m[3]) });
    // hive: "deltatbl-x v0 4 files/10 rows"
    for (const m of line.matchAll(/(deltatbl-[\w-]+) v(\d+) (\d+) files\/(\d+) rows/g)) {
      out.set(`hive/${m[1]}`, new Map([[Number(m[2]), { files: Number(m[3]), rows: Number(m[4]) }]]));
    }
    if (versions.size) out.set(section, versions);
  }
  return out;
}

const ids = (list: number[]) => list.map((i) => JSON.stringify([String(i)]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// dv-partitioned-with-checkpoint / dv-with-columnmapping: (part, col1, col2) for x in 0..49
// except col1 even and < 30.
const dvPartitioned = range(50)
  .filter((x) => !(x % 2 === 0 && x < 30))
  .map((x) => JSON.stringify([String(x % 10), String(x), `foo${x % 5}`]));
const decimalRows = [
  ['234.00000', '1.00', '2.00000', '3.0000000000'],
  ['2342222.23454', '111.11', '22222.22222', '3333333333.3333333333'],
  ['0.00004', '0.00', '0.00000', '0.0000000000'],
  ['-2342342.23423', '-999.99', '-99999.99999', '-9999999999.9999999999'],
];

// table-with-columnmapping-mode-*: "for i in 0..4: (byte i, short i, i, long i, float i, double i,
// decimal(10,2) i, i%2==0, "i", bytes("i"), date 2021-11-18, timestamp i ms, {aa:"i", ac:{aca:i}},
// [i,i+1], [[i,i+1],[i+2,i+3]], [{i:[2,3], i+1:[4,5]}], [{ab:i},{ab:i}], {aa:[i,i+1],
// ab:{[i,i+1]:{aca:i+2}}}, {i:i+1, i+2:i+3}, {i+1:{ab:i*20}}, {i:[i,null,i+1], i+1:[]},
// {i:{i:i}, i+1:{i+2:i}}), plus 1 row of 22 nulls".
const s_ = (n: number) => String(n);
const mappingTableRows = [
  ...range(5).map((i) =>
    JSON.stringify([
      s_(i),
      s_(i),
      s_(i),
      s_(i),
      fmtFloat(i),
      fmtFloat(i),
      `${i}.00`,
      i % 2 === 0,
      s_(i),
      (48 + i).toString(16),
      '2021-11-18',
      fmtMicros(BigInt(i * 1000), true),
      { aa: s_(i), ac: { aca: s_(i) } },
      [s_(i), s_(i + 1)],
      [
        [s_(i), s_(i + 1)],
        [s_(i + 2), s_(i + 3)],
      ],
      [
        [
          [s_(i), ['2', '3']],
          [s_(i + 1), ['4', '5']],
        ],
      ],
      [{ ab: s_(i) }, { ab: s_(i) }],
      { aa: [s_(i), s_(i + 1)], ab: [[[s_(i), s_(i + 1)], { aca: s_(i + 2) }]] },
      [
        [s_(i), s_(i + 1)],
        [s_(i + 2), s_(i + 3)],
      ],
      [[s_(i + 1), { ab: s_(i * 20) }]],
      [
        [s_(i), [s_(i), null, s_(i + 1)]],
        [s_(i + 1), []],
      ],
      [
        [s_(i), [[s_(i), s_(i)]]],
        [s_(i + 1), [[s_(i + 2), s_(i)]]],
      ],
    ]),
  ),
  JSON.stringify(Array.from({ length: 22 }, () => null)),
];
const mappingTableColumns = [
  'ByteType',
  'ShortType',
  'IntegerType',
  'LongType',
  'FloatType',
  'DoubleType',
  'decimal',
  'BooleanType',
  'StringType',
  'BinaryType',
  'DateType',
  'TimestampType',
  'nested_struct',
  'array_of_prims',
  'array_of_arrays',
  'array_of_map_of_arrays',
  'array_of_structs',
  'struct_of_arrays_maps_of_structs',
  'map_of_prims',
  'map_of_rows',
  'map_of_arrays',
  'map_of_maps',
];

/** Stated rows at one version, keyed by table name (columns: all, or the stated projection). */
export const STATED_LATEST_ROWS: Record<string, { version: number; columns: string[]; rows: string[] }> = {
  'table-with-columnmapping-mode-name': { version: 0, columns: mappingTableColumns, rows: mappingTableRows },
  'table-with-columnmapping-mode-id': { version: 0, columns: mappingTableColumns, rows: mappingTableRows },
  'table-with-icebegCompatV2Enabled': { version: 0, columns: mappingTableColumns, rows: mappingTableRows },
  'data-reader-partition-values-column-mapping-name': {
    version: 0,
    columns: ['as_int', 'as_double', 'value'],
    rows: [
      ['0', '0', '0'],
      ['1', '1e+0', '1'],
      [null, null, '2'],
    ].map((r) => JSON.stringify(r)),
  },
  'basic-dv-no-checkpoint': { version: 1, columns: ['id'], rows: ids(range(10).slice(2)) },
  'basic-dv-with-checkpoint': { version: 46, columns: ['id'], rows: ids(range(500).filter((x) => x % 11 !== 0)) },
  'log-replay-dv-key-cases': { version: 3, columns: ['id'], rows: ids(range(50).filter((x) => ![0, 7, 14].includes(x))) },
  'dv-partitioned-with-checkpoint': { version: 15, columns: ['part', 'col1', 'col2'], rows: dvPartitioned },
  'dv-with-columnmapping': { version: 15, columns: ['part', 'col1', 'col2'], rows: dvPartitioned },
  'v2-checkpoint-json': { version: 2, columns: ['id'], rows: ids(range(10)) },
  'v2-checkpoint-parquet': { version: 2, columns: ['id'], rows: ids(range(10)) },
  'basic-decimal-table': { version: 0, columns: ['part', 'col1', 'col2', 'col3'], rows: decimalRows.map((r) => JSON.stringify(r)) },
  'basic-decimal-table-legacy': { version: 0, columns: ['part', 'col1', 'col2', 'col3'], rows: decimalRows.map((r) => JSON.stringify(r)) },
};

/** Tables whose stated rows equal another table's rows as delta-rs reads them (same version). */
export const SAME_ROWS_AS: Record<string, string> = {
  'data-reader-timestamp_ntz-id-mode': 'data-reader-timestamp_ntz',
  'data-reader-timestamp_ntz-name-mode': 'data-reader-timestamp_ntz',
  'data-reader-primitives-column-mapping-name': 'data-reader-primitives',
  'data-skipping-basic-stats-all-types-columnmapping-name': 'data-skipping-basic-stats-all-types',
  'data-skipping-basic-stats-all-types-columnmapping-id': 'data-skipping-basic-stats-all-types',
};

/**
 * Tables delta-rs reads wrongly through every path the oracle uses, checked against EXPECTED.md
 * instead. Empty: `to_pyarrow_table()` returns NULL data columns for column-mapped tables, so the
 * oracle reads those (and versions to_pyarrow_table cannot read) through `QueryBuilder`.
 */
export const REFERENCE_WRONG: Record<string, string> = {};

/** Broken tables every reader must refuse (conformance README point 5). */
export const BROKEN = new Set([
  'versions-not-contiguous',
  'deltalog-invalid-protocol-version',
  'deltalog-state-reconstruction-from-checkpoint-missing-metadata',
  'deltalog-state-reconstruction-from-checkpoint-missing-protocol',
  'deltalog-state-reconstruction-without-metadata',
  'deltalog-state-reconstruction-without-protocol',
  'data-reader-absolute-paths-escaped-chars',
  'deltalog-commit-info',
  'no-delta-log-folder',
]);

/** Log-only tables (README point 6): add actions name files that do not exist. */
export const LOG_ONLY = new Set([
  'checkpoint',
  'corrupted-last-checkpoint',
  'canonicalized-paths-normal-a',
  'canonicalized-paths-normal-b',
  'canonicalized-paths-special-a',
  'canonicalized-paths-special-b',
  'delete-re-add-same-file-different-transactions',
  'deltalog-getChanges',
  'log-replay-special-characters',
  'log-replay-special-characters-a',
  'log-replay-special-characters-b',
  'update-deleted-directory',
  // delta-rs-tables: its data files were not copied upstream (only _delta_log is in the repository).
  'checkpoints_vacuumed',
]);
