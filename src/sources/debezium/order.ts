// The `seq` order key: a string that sorts (plain lexicographic, code-unit order) in source order
// within ONE source (one connector / topic.prefix). It is derived from the connector's position
// fields in `source`, so redelivered or replayed events get the same key. Encodings:
//
// - SQL Server   `<commit_lsn>|<change>|<event_serial_no:20>`
//                LSNs normalised to lower-case hex, each part zero-padded to 8:8:4
//                ("00000027:00000758:0005"). <change> is "0" when change_lsn is null (snapshot reads:
//                they carry the snapshot's commit LSN and no change LSN, so they sort before every
//                change at that commit LSN) and "1" + change_lsn otherwise. A null serial counts as 0.
// - PostgreSQL   with `source.sequence` ('["<lastCommitLsn>","<lsn>"]', a JSON array in a string):
//                `<lastCommitLsn:20>.<lsn:20>` (null lastCommitLsn → 0); without it `<lsn:20>`.
//                A source uses one form for all its events (depends on the connector version);
//                the two forms are not meant to be compared with each other.
// - MySQL/MariaDB `<binlog file numeric suffix:10>/<pos:20>/<row:10>` ("mysql-bin.000003" → 3);
//                the file's base name is the same for a whole server and is left out.
// - embedded (ours) and any other connector with an integer `lsn`: `<lsn:20>`.
//
// `:N` = decimal, zero-padded to N digits (20 digits hold any unsigned 64-bit value).
import { decodeError } from './connect-schema.ts';

type Source = Record<string, unknown>;

function unsignedOf(value: unknown, path: string): bigint {
  let n: bigint | null = null;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = BigInt(value); // docs print "1"
  if (n === null || n < 0n) throw decodeError(path, `expects a non-negative integer, got ${JSON.stringify(String(value))}`);
  return n;
}

function padded(value: unknown, width: number, path: string): string {
  const text = unsignedOf(value, path).toString();
  if (text.length > width) throw decodeError(path, `${text} does not fit the order key (${width} digits)`);
  return text.padStart(width, '0');
}

const SQLSERVER_LSN = /^([0-9a-f]{1,8}):([0-9a-f]{1,8}):([0-9a-f]{1,4})$/i;

/** "27:758:5" / "00000027:00000758:0005" → "00000027:00000758:0005" (lower case). */
export function normaliseSqlServerLsn(value: unknown, path: string): string {
  const m = typeof value === 'string' ? SQLSERVER_LSN.exec(value) : null;
  if (m === null) throw decodeError(path, `not a SQL Server LSN: ${JSON.stringify(value)}`);
  return `${m[1].padStart(8, '0')}:${m[2].padStart(8, '0')}:${m[3].padStart(4, '0')}`.toLowerCase();
}

function sqlServerSeq(source: Source): string {
  const commit = normaliseSqlServerLsn(source.commit_lsn, 'source.commit_lsn');
  const change = source.change_lsn === null || source.change_lsn === undefined ? '0' : '1' + normaliseSqlServerLsn(source.change_lsn, 'source.change_lsn');
  const serial = source.event_serial_no === null || source.event_serial_no === undefined ? 0 : source.event_serial_no;
  return `${commit}|${change}|${padded(serial, 20, 'source.event_serial_no')}`;
}

function postgresSeq(source: Source): string {
  if (typeof source.sequence === 'string') {
    let parts: unknown;
    try {
      parts = JSON.parse(source.sequence);
    } catch {
      parts = null;
    }
    if (!Array.isArray(parts) || parts.length !== 2) {
      throw decodeError('source.sequence', `expects a JSON array of two LSNs, got ${JSON.stringify(source.sequence)}`);
    }
    const [lastCommit, lsn] = parts;
    return `${padded(lastCommit ?? 0, 20, 'source.sequence[0]')}.${padded(lsn, 20, 'source.sequence[1]')}`;
  }
  return padded(source.lsn, 20, 'source.lsn');
}

function mysqlSeq(source: Source): string {
  const file = source.file;
  const m = typeof file === 'string' ? /\.(\d+)$/.exec(file) : null;
  if (m === null) throw decodeError('source.file', `expects a binlog file name with a numeric suffix, got ${JSON.stringify(file)}`);
  return `${padded(m[1], 10, 'source.file')}/${padded(source.pos, 20, 'source.pos')}/${padded(source.row ?? 0, 10, 'source.row')}`;
}

/** The order key of a change event from its `source` block (see the module comment). */
export function orderKey(connector: string, source: Source): string {
  switch (connector) {
    case 'sqlserver':
      return sqlServerSeq(source);
    case 'postgresql':
      return postgresSeq(source);
    case 'mysql':
    case 'mariadb':
      return mysqlSeq(source);
    default:
      if (source.lsn === undefined || source.lsn === null) {
        throw decodeError('source', `no order key for connector ${JSON.stringify(connector)}: no lsn`);
      }
      return padded(source.lsn, 20, 'source.lsn');
  }
}
