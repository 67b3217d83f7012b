// Customers, Agents and the --ddl steps on real databases: the statements per dialect. Upserts are
// single statements (ON CONFLICT / ON DUPLICATE KEY / MERGE) so each operation is one transaction.
// DDL on SQL Server is refused: a changed column reaches CDC only through a new capture instance,
// which is an operator's decision, not a workload's.
import type { SqlDialect } from './sql-target.ts';
import type { AgentRow, CustomerRow, DdlStep } from './related.ts';

const CUSTOMER_COLUMNS = ['CustomerID', 'Name', 'Email', 'Tier', 'CreditLimit', 'CreatedAt', 'UpdatedAt'];
const AGENT_COLUMNS = ['AgentID', 'DisplayName', 'Team', 'Level', 'Active', 'HiredOn', 'UpdatedAt'];

const quote: Record<SqlDialect, (ident: string) => string> = { postgres: (i) => `"${i}"`, mariadb: (i) => `\`${i}\``, sqlserver: (i) => `[${i}]` };
const param: Record<SqlDialect, (n: number) => string> = { postgres: (n) => `$${n}`, mariadb: () => '?', sqlserver: (n) => `@p${n}` };
const tableName: Record<SqlDialect, (t: string) => string> = { postgres: (t) => `public."${t}"`, mariadb: (t) => t, sqlserver: (t) => `dbo.${t}` };

/** UTC wall time without a zone, as timestamp(6) / DATETIME(6) / DATETIME2(6) take it. */
const wall = (iso: string) => iso.replace('T', ' ').replace(/Z$/, '');

export interface Statement {
  sql: string;
  values: unknown[];
}

function upsert(dialect: SqlDialect, table: string, columns: string[], key: string, values: unknown[]): Statement {
  const q = quote[dialect];
  const t = tableName[dialect](table);
  const params = columns.map((_c, i) => param[dialect](i + 1));
  const updated = columns.filter((c) => c !== key && c !== 'CreatedAt');
  if (dialect === 'postgres') {
    const set = updated.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ');
    return { sql: `INSERT INTO ${t} (${columns.map(q).join(', ')}) VALUES (${params.join(', ')}) ON CONFLICT (${q(key)}) DO UPDATE SET ${set}`, values };
  }
  if (dialect === 'mariadb') {
    const set = updated.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ');
    return { sql: `INSERT INTO ${t} (${columns.map(q).join(', ')}) VALUES (${params.join(', ')}) ON DUPLICATE KEY UPDATE ${set}`, values };
  }
  const source = columns.map((c, i) => `${params[i]} AS ${q(c)}`).join(', ');
  const set = updated.map((c) => `t.${q(c)} = s.${q(c)}`).join(', ');
  return {
    sql: `MERGE ${t} AS t USING (SELECT ${source}) AS s ON t.${q(key)} = s.${q(key)}
      WHEN MATCHED THEN UPDATE SET ${set}
      WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(', ')}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')});`,
    values,
  };
}

export function upsertCustomer(dialect: SqlDialect, row: CustomerRow): Statement {
  const columns = row.Phone === undefined ? CUSTOMER_COLUMNS : [...CUSTOMER_COLUMNS, 'Phone'];
  const values = columns.map((c) => {
    const v = (row as unknown as Record<string, unknown>)[c] ?? null;
    return c === 'CreatedAt' || c === 'UpdatedAt' ? wall(v as string) : v;
  });
  return upsert(dialect, 'Customers', columns, 'CustomerID', values);
}

export function upsertAgent(dialect: SqlDialect, row: AgentRow): Statement {
  const values = AGENT_COLUMNS.map((c) => {
    if (c === 'Active') return dialect === 'postgres' ? row.Active : row.Active ? 1 : 0;
    // A zoned column: PostgreSQL and SQL Server take the offset; MariaDB's TIMESTAMP takes UTC wall
    // time (mariadbClient sets the session's time_zone to UTC).
    if (c === 'UpdatedAt') return dialect === 'mariadb' ? wall(row.UpdatedAt) : row.UpdatedAt;
    return row[c as keyof AgentRow];
  });
  return upsert(dialect, 'Agents', AGENT_COLUMNS, 'AgentID', values);
}

export function deleteCustomer(dialect: SqlDialect, customerId: number): Statement {
  return { sql: `DELETE FROM ${tableName[dialect]('Customers')} WHERE ${quote[dialect]('CustomerID')} = ${param[dialect](1)}`, values: [customerId] };
}

/** The statement of a DDL step; null on SQL Server (see the module comment). */
export function ddl(dialect: SqlDialect, step: DdlStep): string | null {
  if (dialect === 'sqlserver') return null;
  const pg = dialect === 'postgres';
  switch (step) {
    case 'add-column':
      return pg
        ? 'ALTER TABLE public."Customers" ADD COLUMN IF NOT EXISTS "Phone" varchar(40)'
        : 'ALTER TABLE Customers ADD COLUMN IF NOT EXISTS Phone VARCHAR(40) NULL';
    case 'widen-int':
      return pg ? 'ALTER TABLE public."Agents" ALTER COLUMN "Level" TYPE bigint' : 'ALTER TABLE Agents MODIFY Level BIGINT NOT NULL';
    case 'widen-decimal':
      return pg
        ? 'ALTER TABLE public."Customers" ALTER COLUMN "CreditLimit" TYPE numeric(14,2)'
        : 'ALTER TABLE Customers MODIFY CreditLimit DECIMAL(14,2) NOT NULL';
    case 'widen-varchar':
      return pg ? 'ALTER TABLE public."Customers" ALTER COLUMN "Name" TYPE varchar(400)' : 'ALTER TABLE Customers MODIFY Name VARCHAR(400) NOT NULL';
  }
}

/** Whether a DDL step's effect is already there (so re-running --ddl changes nothing). */
export function ddlAppliedQuery(dialect: SqlDialect, step: DdlStep): string {
  const [table, column, marker] = {
    'add-column': ['Customers', 'Phone', null],
    'widen-int': ['Agents', 'Level', "data_type = 'bigint'"],
    'widen-decimal': ['Customers', 'CreditLimit', 'numeric_precision = 14'],
    'widen-varchar': ['Customers', 'Name', 'character_maximum_length = 400'],
  }[step] as [string, string, string | null];
  const schema = dialect === 'postgres' ? "table_schema = 'public'" : dialect === 'mariadb' ? 'table_schema = DATABASE()' : "table_schema = 'dbo'";
  return `SELECT 1 AS present FROM information_schema.columns WHERE ${schema} AND table_name = '${table}' AND column_name = '${column}'${marker ? ` AND ${marker}` : ''}`;
}
