// LAKE_URI: where the lake lives. A local path (default DATA_DIR/datalake), `file:///path`,
// `s3://bucket/prefix`, `az://container/prefix` (the account comes with the credentials) or ADLS
// Gen2's `abfss://container@account.dfs.core.windows.net/prefix` (read and written through the
// account's Blob endpoint, which has the same conditional writes). A URI carrying credentials
// (`user:pass@`, a query) is refused: credentials come from each ecosystem's standard places.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShoriError } from '../../errors.ts';

export type LakeLocation =
  | { kind: 'local'; path: string }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'azure'; container: string; prefix: string; account?: string; scheme: 'az' | 'abfss' };

function invalid(uri: string, why: string): ShoriError {
  const masked = uri.replace(/[?#].*$/, '?***');
  const shown = /^abfss?:/i.test(uri) ? masked : masked.replace(/\/\/[^@/]*@/, '//***@');
  return new ShoriError('SHORI_CONFIG_INVALID', `LAKE_URI=${JSON.stringify(shown)}: ${why}`, { context: { knob: 'LAKE_URI' } });
}

function cleanPrefix(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

export function parseLakeUri(uri: string, dataDir: string): LakeLocation {
  if (uri === '') return { kind: 'local', path: path.resolve(dataDir, 'datalake') };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: path.resolve(uri) };
  if (scheme === 'file') return { kind: 'local', path: fileURLToPath(uri) };
  if (scheme === 'abfss' || scheme === 'abfs') return parseAbfss(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'not a valid URI');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw invalid(uri, 'must not carry credentials, a query or a fragment (credentials come from AWS_* / AZURE_STORAGE_* variables or profiles)');
  }
  const prefix = cleanPrefix(decodeURIComponent(url.pathname));
  if (prefix.split('/').includes('..')) throw invalid(uri, "the prefix must not contain '..'");
  switch (scheme) {
    case 's3':
    case 's3a':
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(url.hostname)) throw invalid(uri, `'${url.hostname}' is not a valid S3 bucket name`);
      return { kind: 's3', bucket: url.hostname, prefix };
    case 'az':
    case 'azure':
      if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(url.hostname)) throw invalid(uri, `'${url.hostname}' is not a valid Azure container name`);
      return { kind: 'azure', container: url.hostname, prefix, scheme: 'az' };
    default:
      throw invalid(uri, `the scheme '${scheme}:' is not supported (use a path, s3://, az:// or abfss://)`);
  }
}

/** abfss://<container>@<account>.dfs.core.windows.net/<prefix>: the container is the URL's user part. */
function parseAbfss(uri: string): LakeLocation {
  const m = /^([a-z0-9-]{3,63})@([a-z0-9]{3,24})\.dfs\.core\.windows\.net(\/[^?#]*)?$/i.exec(uri.slice(uri.indexOf('://') + 3));
  if (!m) throw invalid(uri, 'expected abfss://<container>@<account>.dfs.core.windows.net/<prefix>');
  const prefix = cleanPrefix(decodeURIComponent(m[3] ?? ''));
  if (prefix.split('/').includes('..')) throw invalid(uri, "the prefix must not contain '..'");
  return { kind: 'azure', container: m[1].toLowerCase(), account: m[2].toLowerCase(), prefix, scheme: 'abfss' };
}

/** The location as shown to people (no credentials can be in it: parseLakeUri refuses them). */
export function describeLake(location: LakeLocation): string {
  switch (location.kind) {
    case 'local':
      return location.path;
    case 's3':
      return `s3://${location.bucket}/${location.prefix}`;
    case 'azure':
      return location.scheme === 'abfss'
        ? `abfss://${location.container}@${location.account}.dfs.core.windows.net/${location.prefix}`
        : `az://${location.container}/${location.prefix}`;
  }
}
