// `shori delta <command> <table>`: operator commands over one Delta table, on @shori/delta's
// public API only. Each command parses its own options (node:util parseArgs), writes results to
// `out` and returns the exit code; errors propagate to shori.ts, which prints them.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable, quoteIdent, quoteLiteral, type DeltaField, type Snapshot } from '@shori/delta';
import { usageError, type Output } from './output.ts';
import { Lake } from '../lakehouse/lake/lake.ts';
import { TABLE_OPTIONS } from '../lakehouse/engine.ts';

export const DELTA_USAGE = `Usage: shori delta <command> <table> [options]

Commands:
  inspect <table> [--json] [--history N]        version, protocol, files, schema, history, txn versions
  cat <table> [--version N | --timestamp T] [--format json|csv] [--limit N]
                                                rows of the table (json: one object per line)
  changes <table> --from N [--to M] [--format json|csv]
                                                change data feed rows (_change_type, _commit_version, ...)
  optimize <table> [--target-size BYTES] [--min-files N] [--json]
  vacuum <table> [--retention-hours H] [--dry-run] [--force] [--json]
  checkpoint <table> [--json]
`;

async function withDuck<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    return await work(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function intOption(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw usageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw usageError(`--${name} must be a number >= 0, got '${value}'`);
  return n;
}

/**
 * The table at a folder path or an object-store URI (s3://, az://, abfss://), credentials from the
 * standard places (AWS_*, AZURE_STORAGE_*), data files cached under DATA_DIR/lake-cache.
 */
async function openTable(location: string): Promise<DeltaTable> {
  const env = process.env;
  const pathStyle = env.LAKE_S3_PATH_STYLE === 'true' || env.LAKE_S3_PATH_STYLE === 'false' ? env.LAKE_S3_PATH_STYLE : 'auto';
  const lake = await Lake.open({ uri: location, dataDir: env.DATA_DIR || './data', pathStyle, env });
  return DeltaTable.open(lake.root(), TABLE_OPTIONS);
}

function tableArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw usageError(`shori delta ${command} needs exactly one table path`);
  return positionals[0];
}

/** `--timestamp` as ISO 8601 text or epoch milliseconds. */
function timestampOption(at: string): Date {
  const ms = /^\d+$/.test(at) ? Number(at) : Date.parse(at);
  if (!Number.isFinite(ms)) throw usageError(`--timestamp must be an ISO timestamp or epoch milliseconds, got '${at}'`);
  return new Date(ms);
}

/** SELECT list rendering values losslessly for JSON: decimals as text, timestamps as ISO 8601 UTC. */
function jsonSelectList(fields: Array<Pick<DeltaField, 'name' | 'type'>>): string {
  return fields
    .map((f) => {
      const col = quoteIdent(f.name);
      if (f.type === 'timestamp' || f.type === 'timestamp_ntz') {
        const utc = f.type === 'timestamp' ? `(${col} AT TIME ZONE 'UTC')` : col;
        return `strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%f${f.type === 'timestamp' ? 'Z' : ''}') AS ${col}`;
      }
      if (typeof f.type === 'string' && f.type.startsWith('decimal')) return `CAST(${col} AS VARCHAR) AS ${col}`;
      return col;
    })
    .join(', ');
}

async function emitRows(conn: DuckDBConnection, out: Output, selectSql: string, format: string): Promise<void> {
  if (format === 'json') {
    const result = await conn.stream(`SELECT to_json(__r)::VARCHAR FROM (${selectSql}) AS __r`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const lines = chunk.getColumnVector(0);
      let text = '';
      for (let i = 0; i < chunk.rowCount; i++) text += `${lines.getItem(i) as string}\n`;
      await out.write(text);
    }
    return;
  }
  // CSV: DuckDB's writer (quoting, NULL as empty), through a temp file.
  const dir = await mkdtemp(path.join(tmpdir(), 'shori-cat-'));
  try {
    const file = path.join(dir, 'rows.csv');
    await conn.run(`COPY (${selectSql}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`);
    for await (const piece of createReadStream(file)) await out.write(piece as Buffer);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function formatOption(value: string | undefined): string {
  const format = value ?? 'json';
  if (format !== 'json' && format !== 'csv') throw usageError(`--format must be json or csv, got '${format}'`);
  return format;
}

async function inspect(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, history: { type: 'string' } } });
  const table = await openTable(tableArg(positionals, 'inspect'));
  const snap = table.snapshot;
  const history = await table.history(intOption('history', values.history, 0) ?? 10);
  const report = {
    location: table.location,
    version: snap.version,
    protocol: snap.protocol,
    id: snap.metadata.id,
    name: snap.metadata.name ?? null,
    partitionColumns: snap.partitionColumns,
    properties: snap.properties,
    numFiles: snap.files.length,
    numRows: snap.numRows,
    sizeBytes: snap.files.reduce((s, f) => s + f.size, 0),
    schema: snap.schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })),
    txns: Object.fromEntries(snap.txns()),
    history: history.map((h) => ({
      version: h.version,
      timestamp: new Date(h.timestamp).toISOString(),
      operation: h.operation,
      ...(h.operationParameters ? { operationParameters: h.operationParameters } : {}),
    })),
  };
  if (values.json) {
    await out.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `table       ${report.location}`,
    `version     ${report.version}`,
    `protocol    reader ${snap.protocol.minReaderVersion}, writer ${snap.protocol.minWriterVersion}` +
      `${snap.protocol.readerFeatures?.length ? `, reader features ${snap.protocol.readerFeatures.join(',')}` : ''}` +
      `${snap.protocol.writerFeatures?.length ? `, writer features ${snap.protocol.writerFeatures.join(',')}` : ''}`,
    `files       ${report.numFiles} (${report.sizeBytes} bytes), rows ${report.numRows ?? 'unknown'}`,
    `partitions  ${report.partitionColumns.length ? report.partitionColumns.join(', ') : '(none)'}`,
    'properties',
    ...Object.entries(report.properties).map(([k, v]) => `  ${k} = ${v}`),
    'schema',
    ...report.schema.map((f) => `  ${f.name}  ${typeof f.type === 'string' ? f.type : JSON.stringify(f.type)}${f.nullable ? '' : '  NOT NULL'}`),
    'txn versions',
    ...(Object.keys(report.txns).length ? Object.entries(report.txns).map(([k, v]) => `  ${k} = ${v}`) : ['  (none)']),
    'history',
    ...report.history.map((h) => `  ${String(h.version).padStart(6)}  ${h.timestamp}  ${h.operation}`),
  ];
  await out.write(`${lines.join('\n')}\n`);
  return 0;
}

async function cat(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { version: { type: 'string' }, timestamp: { type: 'string' }, format: { type: 'string' }, limit: { type: 'string' } },
  });
  const location = tableArg(positionals, 'cat');
  const format = formatOption(values.format);
  if (values.version !== undefined && values.timestamp !== undefined) throw usageError('give --version or --timestamp, not both');
  const limit = intOption('limit', values.limit, 0);
  const table = await openTable(location);
  let snap: Snapshot = table.snapshot;
  const version = intOption('version', values.version, 0);
  // by timestamp: the latest version committed at or before it (commit file time, or in-commit timestamps)
  if (values.timestamp !== undefined) snap = await table.snapshotAtTimestamp(timestampOption(values.timestamp));
  else if (version !== undefined) snap = await table.snapshotAt(version);
  const columns = format === 'json' ? jsonSelectList(snap.schema.fields) : '*';
  const sql = `SELECT ${columns} FROM ${await table.scan(snap)}${limit !== undefined ? ` LIMIT ${limit}` : ''}`;
  await withDuck((conn) => emitRows(conn, out, sql, format));
  return 0;
}

async function changes(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' } },
  });
  const location = tableArg(positionals, 'changes');
  const format = formatOption(values.format);
  const from = intOption('from', values.from ?? '0', 0)!;
  const to = intOption('to', values.to, 0);
  const table = await openTable(location);
  const source = await table.changesSql(from, to);
  const fields = [
    ...table.snapshot.schema.fields,
    { name: '_change_type', type: 'string' as const },
    { name: '_commit_version', type: 'long' as const },
    { name: '_commit_timestamp', type: 'timestamp' as const },
  ];
  const columns = format === 'json' ? jsonSelectList(fields) : '*';
  await withDuck((conn) => emitRows(conn, out, `SELECT ${columns} FROM ${source} ORDER BY _commit_version`, format));
  return 0;
}

async function optimize(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'target-size': { type: 'string' }, 'min-files': { type: 'string' }, json: { type: 'boolean' } },
  });
  const table = await openTable(tableArg(positionals, 'optimize'));
  const result = await withDuck((conn) =>
    table.optimize(conn, { targetFileSize: intOption('target-size', values['target-size'], 1), minFiles: intOption('min-files', values['min-files'], 2) }),
  );
  if (values.json) await out.write(`${JSON.stringify(result)}\n`);
  else if (!result.committed) await out.write(`nothing to compact (version ${result.version})\n`);
  else await out.write(`optimized: version ${result.version}, ${result.filesRemoved} files compacted into ${result.filesAdded}, ${result.rowsWritten} rows\n`);
  return 0;
}

async function vacuum(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'retention-hours': { type: 'string' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const table = await openTable(tableArg(positionals, 'vacuum'));
  const result = await table.vacuum({
    retentionHours: numberOption('retention-hours', values['retention-hours']),
    dryRun: values['dry-run'],
    force: values.force,
  });
  if (values.json) {
    await out.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const verb = result.dryRun ? 'would delete' : 'deleted';
  for (const f of result.files) await out.write(`${verb} ${f.path} (${f.size} bytes)\n`);
  const versions = result.startVersion !== undefined ? ` (commits ${result.startVersion} VACUUM START, ${result.endVersion} VACUUM END)` : '';
  await out.write(
    `${result.dryRun ? 'dry run: ' : ''}${verb} ${result.files.length} files, ${result.bytes} bytes; retention ${result.retentionMs / 3_600_000} hours${versions}\n`,
  );
  return 0;
}

async function checkpoint(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const table = await openTable(tableArg(positionals, 'checkpoint'));
  const written = await table.checkpoint();
  if (values.json) await out.write(`${JSON.stringify(written)}\n`);
  else
    await out.write(
      `checkpoint written at version ${written.version}: ${written.size} actions, ${written.numOfAddFiles} files, ${written.sizeInBytes} bytes\n`,
    );
  return 0;
}

const COMMANDS: Record<string, (args: string[], out: Output) => Promise<number>> = { inspect, cat, changes, optimize, vacuum, checkpoint };

export async function deltaCommand(args: string[], out: Output): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    await out.write(DELTA_USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) throw usageError(`unknown delta command '${command}'`);
  return run(rest, out);
}
