// The tables configuration (`TABLES_CONFIG`, a JSON file): which captured tables become Silver
// tables, their keys when the source has none, and whether history is kept. Validated at start-up;
// a bad file stops the service with a message naming the file, the field and what is allowed.
//
//   {
//     "include": ["*"],                       // glob patterns (* and ?) on table names, any case
//     "exclude": ["*_audit"],                 // applied after include
//     "tables": {                             // per table (name in any case)
//       "AuditLog":  { "key": ["LoggedAt", "Actor"] },   // a key for a table without a primary key
//       "Events":    { "appendOnly": true },             // history only, no current state
//       "Sessions":  { "history": false }                // current state only, no <table>_history
//     },
//     "history": true                          // the default for tables with a current state
//   }
//
// Without a file: every table, keyed by its Debezium key, with history. A table without a primary
// key and without a configured key keeps only its append-only history (`silver/<table>_history`,
// every change once, no current state); `key` gives it Silver instead. A configured key column the
// table lacks is reported when the table is first seen (the columns are not known before).
// `history: false` (top level or per table) keeps Silver without `silver/<table>_history`; it does
// not apply to a table without a current state (its history is all it has), so `appendOnly: true`
// with `history: false` is refused, and a keyless table keeps its history whatever the default.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ShoriError } from '../errors.ts';

const name = z.string().trim().min(1, 'must not be empty');
const pattern = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((p) => /^[^\s]+$/.test(p), 'must not contain spaces');

const tableOptions = z
  .strictObject({
    key: z
      .array(name)
      .min(1, 'must list at least one column')
      .refine((k) => new Set(k.map((c) => c.toLowerCase())).size === k.length, 'must not list a column twice (names are matched in any case)')
      .optional(),
    appendOnly: z.boolean().optional(),
    history: z.boolean().optional(),
  })
  .refine((t) => !(t.appendOnly === true && t.key !== undefined), 'key and appendOnly: true exclude each other')
  .refine(
    (t) => !(t.appendOnly === true && t.history === false),
    'appendOnly: true and history: false exclude each other (an append-only table has no current state: its history is all it keeps)',
  );

export const tablesConfigSchema = z.strictObject({
  include: z.array(pattern).default(['*']),
  exclude: z.array(pattern).default([]),
  history: z.boolean().default(true),
  tables: z
    .record(name, tableOptions)
    .default({})
    .refine(
      (t) => new Set(Object.keys(t).map((k) => k.toLowerCase())).size === Object.keys(t).length,
      'names a table twice (table names are matched in any case)',
    ),
});

export type TablesConfigFile = z.infer<typeof tablesConfigSchema>;

export interface TableChoice {
  included: boolean;
  /** Key columns from the configuration (tables without a primary key). */
  key?: string[];
  appendOnly: boolean;
  /**
   * Keep `silver/<table>_history`. Always true for an append-only table (its history is all it has);
   * the medallion also keeps it for a table found to have no key.
   */
  history: boolean;
}

/** A glob (* any run, ? one character) as a case-insensitive, anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'i');
}

export class TablesConfig {
  readonly file: TablesConfigFile;
  readonly #include: RegExp[];
  readonly #exclude: RegExp[];
  readonly #tables: Map<string, TablesConfigFile['tables'][string]>;

  constructor(file: TablesConfigFile) {
    this.file = file;
    this.#include = file.include.map(globToRegExp);
    this.#exclude = file.exclude.map(globToRegExp);
    this.#tables = new Map(Object.entries(file.tables).map(([k, v]) => [k.toLowerCase(), v]));
  }

  /** The defaults: every table, Debezium keys, history on. */
  static defaults(): TablesConfig {
    return new TablesConfig(tablesConfigSchema.parse({}));
  }

  /** What to do with a source table (by its name, any case). */
  choose(table: string): TableChoice {
    const included = this.#include.some((r) => r.test(table)) && !this.#exclude.some((r) => r.test(table));
    const options = this.#tables.get(table.toLowerCase()) ?? {};
    const appendOnly = options.appendOnly === true;
    const choice: TableChoice = { included, appendOnly, history: appendOnly || (options.history ?? this.file.history) };
    if (options.key !== undefined) choice.key = options.key;
    return choice;
  }
}

function invalid(path: string, message: string, problems: string[] = []): ShoriError {
  return new ShoriError('SHORI_CONFIG_INVALID', `invalid configuration: TABLES_CONFIG=${JSON.stringify(path)}: ${message}`, { context: { path, problems } });
}

/** Parses a tables configuration text; `path` names it in errors. */
export function parseTablesConfig(text: string, path: string): TablesConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `not JSON: ${(error as Error).message}`);
  }
  const result = tablesConfigSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw invalid(path, problems.join('; '), problems);
  }
  return new TablesConfig(result.data);
}

/** Reads and validates the file; '' means no file (the defaults). */
export function loadTablesConfig(path: string): TablesConfig {
  if (path === '') return TablesConfig.defaults();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(path, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseTablesConfig(text, path);
}
