// Chooses the generator targets from configuration: the embedded sources (default), or real
// PostgreSQL, MariaDB or SQL Server databases (one target per connection URL).
import type { Config } from '../config/index.ts';
import type { GeneratorTarget } from './target.ts';
import { EmbeddedTarget } from './embedded-target.ts';
import { SqlTarget, mariadbClient, postgresClient, sqlserverClient } from './sql-target.ts';

export const TARGET_KINDS = ['embedded', 'postgres', 'mariadb', 'sqlserver'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export async function createTargets(kind: TargetKind, config: Config, sources?: string[]): Promise<GeneratorTarget[]> {
  switch (kind) {
    case 'embedded':
      return (sources ?? config.EMBEDDED_SOURCES).map((name) => new EmbeddedTarget(config.DATA_DIR, name));
    case 'postgres':
      return Promise.all(
        config.GENERATOR_POSTGRES_URLS.map(
          async (url, i) => new SqlTarget(sources?.[i] ?? `shoripg${i === 0 ? '' : `_${i + 1}`}`, 'postgres', await postgresClient(url)),
        ),
      );
    case 'mariadb':
      return Promise.all(
        config.GENERATOR_MARIADB_URLS.map(
          async (url, i) => new SqlTarget(sources?.[i] ?? `shorimaria${i === 0 ? '' : `_${i + 1}`}`, 'mariadb', await mariadbClient(url)),
        ),
      );
    case 'sqlserver':
      return Promise.all(
        config.GENERATOR_SQLSERVER_URLS.map(
          async (url, i) =>
            new SqlTarget(
              sources?.[i] ?? `shorisql_${i + 1}`,
              'sqlserver',
              await sqlserverClient(url.replace('${SQLSERVER_SA_PASSWORD}', config.SQLSERVER_SA_PASSWORD)),
            ),
        ),
      );
  }
}
