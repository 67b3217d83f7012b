// Real object-store servers for tests, started on loopback once per test file: Azurite (Azure Blob
// emulator, npm) and moto's S3 server (PyPI, served one request at a time so that its conditional
// writes are atomic), installed by scripts/ensure-objectstores.sh. Each
// gives the environment a service needs to reach it (credentials the standard way: AWS_* variables,
// AZURE_STORAGE_CONNECTION_STRING) and a fresh bucket/container per call of `lake()`.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort, REPO, waitFor } from './service-process.ts';

export type StoreKind = 's3' | 'azure';

export interface StoreServer {
  kind: StoreKind;
  /** Environment for the service and the SDKs: credentials, endpoint. */
  env: Record<string, string>;
  /** How delta-rs (Python `deltalake`) reaches the store: its storage options and environment. */
  deltaRs: { options: Record<string, string>; env: Record<string, string> };
  /** A fresh, empty bucket/container; returns its LAKE_URI (with `prefix` under it). */
  lake(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft; not a secret).
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

let tools: Record<string, string> | undefined;
function ensureTools(): Record<string, string> {
  if (tools) return tools;
  const out = execFileSync('bash', [join(REPO, 'scripts/ensure-objectstores.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  tools = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  return tools;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (d) => {
    text = (text + String(d)).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    text = (text + String(d)).slice(-20_000);
  });
  return () => text;
}

async function httpUp(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

export async function startMotoS3(): Promise<StoreServer> {
  const port = await freePort();
  // One request at a time: see moto_s3_server.py (moto's threaded server is not atomic under races).
  const child = spawn(ensureTools().MOTO_PYTHON, [join(REPO, 'test/helpers/moto_s3_server.py'), '127.0.0.1', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(`moto S3 server on ${endpoint}: ${output()}`, () => httpUp(`${endpoint}/moto-api/`), 60_000);
  const env = { AWS_ACCESS_KEY_ID: 'shori-test', AWS_SECRET_ACCESS_KEY: 'shori-test-secret', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: endpoint };
  return {
    kind: 's3',
    env,
    deltaRs: {
      options: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ALLOW_HTTP: 'true',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
        // delta-rs commits with If-None-Match too (no unsafe rename, no lock table).
        conditional_put: 'etag',
      },
      env: {},
    },
    async lake(prefix = 'lake') {
      const bucket = `shori-${randomUUID().slice(0, 12)}`;
      const res = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (!res.ok) throw new Error(`creating bucket ${bucket}: HTTP ${res.status}`);
      return `s3://${bucket}/${prefix}`;
    },
    stop: () => stopChild(child),
  };
}

export async function startAzurite(): Promise<StoreServer> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), 'shori-azurite-'));
  const child = spawn(
    ensureTools().AZURITE,
    ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location, '--skipApiVersionCheck', '--silent'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = collect(child);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  await waitFor(`Azurite on ${endpoint}: ${output()}`, () => httpUp(endpoint), 60_000);
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const service = BlobServiceClient.fromConnectionString(connectionString);
  return {
    kind: 'azure',
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
    deltaRs: {
      options: { azure_storage_account_name: AZURITE_ACCOUNT, azure_storage_account_key: AZURITE_KEY, azure_storage_use_emulator: 'true' },
      env: { AZURITE_BLOB_STORAGE_URL: `http://127.0.0.1:${port}` },
    },
    async lake(prefix = 'lake') {
      const container = `shori-${randomUUID().slice(0, 12)}`;
      await service.getContainerClient(container).create();
      return `az://${container}/${prefix}`;
    },
    async stop() {
      await stopChild(child);
      rmSync(location, { recursive: true, force: true });
    },
  };
}

/** The abfss:// (ADLS Gen2) form of an az:// lake on Azurite: same container and prefix, the emulator's account. */
export function abfssUri(azUri: string): string {
  const m = /^az:\/\/([^/]+)\/(.*)$/.exec(azUri);
  if (!m) throw new Error(`not an az:// URI: ${azUri}`);
  return `abfss://${m[1]}@${AZURITE_ACCOUNT}.dfs.core.windows.net/${m[2]}`;
}

export function startStore(kind: StoreKind): Promise<StoreServer> {
  return kind === 's3' ? startMotoS3() : startAzurite();
}

/**
 * An HTTP proxy in front of `target` that drops the `If-None-Match` header from every request: a
 * store that ignores conditional writes, as some S3-compatible stores and gateways do. With
 * `{ strip: false }` it forwards requests unchanged. Either way it records the credential scope of
 * each SigV4-signed request (`<access key id>/<date>/<region>/s3/aws4_request`: no secret in it).
 */
export async function startHeaderStrippingProxy(
  target: string,
  options: { strip?: boolean } = {},
): Promise<{ url: string; stripped: () => number; credentialScopes: () => string[]; stop: () => Promise<void> }> {
  const upstream = new URL(target);
  let stripped = 0;
  const scopes: string[] = [];
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers };
    const scope = /Credential=([^,\s]+)/.exec(String(headers.authorization ?? ''))?.[1];
    if (scope) scopes.push(scope);
    if (options.strip !== false && headers['if-none-match'] !== undefined) {
      stripped++;
      delete headers['if-none-match'];
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stripped: () => stripped,
    credentialScopes: () => [...scopes],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
