// The one configuration schema. The Config type is derived from it, so the knobs, their defaults and
// their validation live in one place (and .env.example documents the same list).
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveNumber = z.coerce.number({ message: 'must be a number' }).refine((n) => Number.isFinite(n) && n > 0, 'must be a number greater than 0');
const positiveInt = z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').positive('must be greater than 0');

/** A list knob; its separator is kept as metadata so the list is shown back with it (publicKnobs). */
const list = (separator: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(separator)
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .meta({ separator });
const csv = list(',');

/** A DuckDB memory size, e.g. 512MB, 2GiB. */
const memorySize = z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 512MB or 2GiB');
/** A bearer token: empty = off; otherwise long enough not to be guessed. */
const token = z
  .string()
  .refine((s) => s === '' || s.length >= 16, 'must be at least 16 characters (or empty to turn it off)')
  .default('');

export const configSchema = z.object({
  PORT: z.coerce.number().int('must be a whole number').min(0, 'must be 0..65535').max(65535, 'must be 0..65535').default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),

  // Feeds: empty KAFKA_BOOTSTRAP_SERVERS = the embedded default (no Kafka, no JVM).
  KAFKA_BOOTSTRAP_SERVERS: csv.default([]),
  KAFKA_TOPIC_PATTERN: z
    .string()
    // Debezium data topics are <prefix>.<db>.<schema>.<table> (SQL Server), <prefix>.<schema>.<table>
    // (PostgreSQL) or <prefix>.<db>.<table> (MariaDB). Matched case-insensitively.
    .default('^(shorisql_\\d+|shoripg|shorimaria)\\.(.+\\.)?tickets$')
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
  KAFKA_CLIENT_ID: z.string().min(1).default('shori-realtime'),
  KAFKA_LAKEHOUSE_GROUP: z.string().min(1).default('shori-lakehouse'),
  KAFKA_UI_GROUP: z.string().min(1).default('shori-ui'),
  KAFKA_UNASSIGNED_RESTART_SEC: positiveNumber.default(60),
  KAFKA_CONSUMER_RESTART_BACKOFF_SEC: positiveNumber.default(5),

  // Embedded sources: the two stand-ins for ShoriSQL_1 and ShoriSQL_2.
  EMBEDDED_SOURCES: csv
    .default(['shorisql_1', 'shorisql_2'])
    .refine((list) => list.length > 0 && list.every((s) => /^[A-Za-z0-9_]+$/.test(s)), 'must be a comma-separated list of names of letters, digits and _'),
  EMBEDDED_CAPTURE_POLL_MS: positiveInt.default(100),

  // The lake: where the Delta tables live. '' = DATA_DIR/datalake; or a local path, s3://bucket/prefix,
  // az://container/prefix, abfss://container@account.dfs.core.windows.net/prefix. Credentials come from
  // each ecosystem's standard places (AWS_* variables and profiles; AZURE_STORAGE_CONNECTION_STRING or
  // AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY), never from here.
  LAKE_URI: z.string().default(''),
  // Local cache of the data files DuckDB reads from an object store (under DATA_DIR/lake-cache).
  LAKE_CACHE_MAX_BYTES: positiveInt.default(4 * 1024 * 1024 * 1024),
  // S3 path-style addressing (http://endpoint/bucket/key): auto = on when an endpoint override is set.
  LAKE_S3_PATH_STYLE: z.enum(['auto', 'true', 'false']).default('auto'),

  // Lakehouse.
  LAKEHOUSE_FLUSH_INTERVAL_SEC: positiveNumber.default(5),
  // A batch costs a fixed number of DuckDB statements per captured table (~260 for the embedded
  // default's three): a pipeline that fell behind catches up faster with large batches (freshness bench at 5,000 changes/s: p99 22-31 s at 20,000 against
  // 45-53 s at 5,000). Keeping up, a batch holds one flush interval of changes whatever this is.
  LAKEHOUSE_MAX_BATCH_SIZE: positiveInt.default(20000),
  LAKEHOUSE_MAX_BATCH_BYTES: positiveInt.default(64 * 1024 * 1024),
  // An event that cannot be applied to a derived table (a value that does not fit its column, a NULL
  // or non-numeric key, an undecodable message): quarantine = into silver/_rejected, counted and
  // announced, the rest goes on; fail = the lakehouse worker stops with a fatal error.
  LAKEHOUSE_ON_BAD_RECORD: z.enum(['quarantine', 'fail']).default('quarantine'),
  GOLD_REFRESH_INTERVAL_SEC: positiveNumber.default(10),
  GOLD_SQL_DIR: z.string().default(''),
  // A JSON file choosing tables, keys and history (config/tables-config.ts); '' = every table.
  TABLES_CONFIG: z.string().default(''),
  DELTA_CHECKPOINT_INTERVAL: positiveInt.default(10),
  // Memory of the lakehouse writer's DuckDB (merges, compaction, Gold); beyond it DuckDB spills to
  // DATA_DIR/tmp/duckdb, or fails the operation (the batch is retried, maintenance skipped).
  LAKEHOUSE_MEMORY_LIMIT: memorySize.default('512MB'),
  // Threads of the lakehouse writer's DuckDB; 0 = one fewer than the machine's cores, at least 1:
  // the service's main thread (decoding, staging) needs a core of its own. On 2 cores, 1 thread
  // against DuckDB's default of 2 gave +5.6 % msg/s, -11 % CPU-seconds and -6 % peak RSS (README).
  LAKEHOUSE_DUCKDB_THREADS: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').default(0),
  // Table maintenance by the lakehouse worker: compaction of the small files micro-batches leave
  // every N batches, and VACUUM every N hours. 0 turns either off.
  LAKEHOUSE_OPTIMIZE_EVERY_BATCHES: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .default(50),
  LAKEHOUSE_VACUUM_INTERVAL_HOURS: z.coerce.number({ message: 'must be a number' }).min(0, 'must be 0 or more').default(24),
  // VACUUM deletes files no version of the last N hours needs (a table that sets its own
  // delta.deletedFileRetentionDuration keeps it). It bounds time travel, and how far a derived table
  // may lag Bronze and still catch up from it (Bronze files older than this are gone): at least 1 h.
  LAKEHOUSE_VACUUM_RETENTION_HOURS: z.coerce.number({ message: 'must be a number' }).min(1, 'must be 1 or more (hours)').default(168),

  // SSE.
  SSE_CLIENT_QUEUE_SIZE: positiveInt.default(1000),
  SSE_CLIENT_OVERFLOW_LIMIT: positiveInt.default(5),
  SSE_EMIT_CDC_RAW: bool.default(false),
  SSE_CDC_STATS_INTERVAL_SEC: positiveNumber.default(1),
  SSE_HEARTBEAT_INTERVAL_SEC: positiveNumber.default(15),
  // An origin is scheme://host[:port], exactly as a browser sends it: no path, no trailing slash.
  CORS_ALLOW_ORIGINS: csv
    .default(['http://localhost:5173', 'http://127.0.0.1:5173'])
    .refine(
      (list) => list.every((o) => o === '*' || /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(o)),
      'each entry must be * or an origin like https://dash.example.com or http://localhost:5173 (no path, no trailing slash)',
    ),
  // Streams beyond these get 503 with Retry-After (total, and per client address).
  SSE_MAX_CLIENTS: positiveInt.default(1000),
  SSE_MAX_CLIENTS_PER_IP: positiveInt.default(50),

  // Exposure (see the README's security section). Host names (or host:port) the service answers to;
  // empty = the name in HOST plus localhost, 127.0.0.1 and [::1], on the listening port; * = any.
  ALLOWED_HOSTS: csv
    .default([])
    .refine(
      (list) => list.every((h) => h === '*' || /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/.test(h)),
      'each entry must be * or a host name or address, optionally with :port (no scheme, no path)',
    ),
  // Bearer token every mutating route requires when set (a secret: never shown or logged).
  ADMIN_TOKEN: token,
  // Bearer token GET /metrics requires when set (a secret).
  METRICS_TOKEN: token,
  // Proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated); empty = none.
  TRUST_PROXY: csv
    .default([])
    .refine(
      (list) => list.every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a) || ['loopback', 'linklocal', 'uniquelocal'].includes(a)),
      'each entry must be an IP address or CIDR (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal',
    ),

  // The table API (GET /api/tables/:layer/:name): largest page, and limits on its DuckDB.
  TABLE_API_MAX_PAGE_SIZE: positiveInt.default(1000),
  TABLE_API_QUERY_TIMEOUT_SEC: positiveNumber.default(10),
  TABLE_API_MEMORY_LIMIT: memorySize.default('512MB'),

  // Built-in workload so a newcomer sees movement at once.
  GENERATOR_ENABLED: bool.default(true),
  GENERATOR_RATE: positiveNumber.default(5),
  // `npm run generate -- --target postgres|mariadb|sqlserver`: one database per URL (comma-separated).
  GENERATOR_POSTGRES_URLS: csv.default(['postgres://shori:shori@127.0.0.1:54329/ticketsdb']),
  GENERATOR_MARIADB_URLS: csv.default(['mysql://shori:shori@127.0.0.1:33069/ticketsdb']),
  // mssql connection strings, separated by | (they contain commas: Server=host,port);
  // ${SQLSERVER_SA_PASSWORD} is replaced by that secret.
  GENERATOR_SQLSERVER_URLS: list('|').default([
    'Server=127.0.0.1,14331;Database=TicketsDb;User Id=sa;Password=${SQLSERVER_SA_PASSWORD};Encrypt=false;TrustServerCertificate=true',
    'Server=127.0.0.1,14332;Database=TicketsDb;User Id=sa;Password=${SQLSERVER_SA_PASSWORD};Encrypt=false;TrustServerCertificate=true',
  ]),

  // Only used by the SQL Server deployment (docker compose, scripts/setup.sh). A secret: never logged.
  SQLSERVER_SA_PASSWORD: z.string().default(''),
  // Read by the dashboard build (Vite); listed here so it is documented and validated with the rest.
  VITE_API_BASE_URL: z.string().default(''),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;

/** Knobs that must never be shown (health endpoint, logs). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['SQLSERVER_SA_PASSWORD', 'ADMIN_TOKEN', 'METRICS_TOKEN']);

/** The separator a list knob is written with (`,` for most; `|` for SQL Server connection strings). */
export function listSeparator(key: ConfigKey): string | undefined {
  let schema: unknown = configSchema.shape[key];
  for (let depth = 0; schema && depth < 6; depth++) {
    const meta = (schema as z.ZodType).meta?.() as { separator?: string } | undefined;
    if (meta?.separator) return meta.separator;
    const def = (schema as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    schema = def?.innerType ?? def?.in;
  }
  return undefined;
}
