// The object-store Storage against real servers on loopback (Azurite for Azure Blob, an
// S3-compatible server for S3), started once for this file: the Storage contract the Delta library
// relies on (put-if-absent, listings, stat, delete, absolute URIs, the engine's local cache), racing
// creators of one key (exactly one wins), and the start-up probe: a store behind a proxy that drops
// If-None-Match is refused with a message that says why, while the real stores pass. On S3, the
// service takes its credentials and region from an AWS profile in shared files (no key variables)
// and writes the lake with them; a profile that does not exist stops it at start-up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeltaError } from '@shori/delta';
import { Lake } from '../../src/lakehouse/lake/lake.ts';
import type { Storage } from '@shori/delta';
import { tempDir } from '../helpers/duck.ts';
import { diffRows, silverTickets, sourceTickets } from '../helpers/lake.ts';
import { startHeaderStrippingProxy, startStore, type StoreKind, type StoreServer } from '../helpers/object-stores.ts';
import { generate, startService, waitFor } from '../helpers/service-process.ts';

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

for (const kind of ['s3', 'azure'] as StoreKind[]) {
  describe(`object storage on ${kind}`, () => {
    let server: StoreServer;
    before(async () => {
      server = await startStore(kind);
    });
    after(async () => {
      await server?.stop();
    });

    async function lakeRoot(t: Parameters<typeof tempDir>[0], uri?: string): Promise<Storage> {
      const lake = await Lake.open({ uri: uri ?? (await server.lake()), dataDir: await tempDir(t, 'lake-'), env: server.env });
      return lake.root();
    }

    test('put-if-absent creates once and never overwrites', async (t) => {
      const s = await lakeRoot(t);
      assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', 'first'), true);
      assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', 'second'), false);
      assert.equal(text(await s.get('_delta_log/00000000000000000000.json')), 'first');
    });

    test('get, put, stat, list, listNames, listRecursive with a descend filter, delete', async (t) => {
      const s = await lakeRoot(t);
      assert.equal(await s.get('missing.json'), undefined);
      assert.equal(await s.stat('missing.json'), undefined);
      assert.deepEqual(await s.list('nowhere'), []);
      await s.put('a.parquet', 'abc');
      await s.put('p=1/q=x/b.parquet', '12345');
      await s.put('_delta_log/00000000000000000000.json', '{}');
      await s.put('_delta_log/_sidecars/s.parquet', 'side');
      const st = await s.stat('p=1/q=x/b.parquet');
      assert.equal(st?.size, 5);
      assert.ok(Math.abs(st!.modificationTime - Date.now()) < 5 * 60_000, 'modification time is the store clock, near now');
      assert.deepEqual(
        (await s.list('_delta_log')).map((e) => [e.path, e.size]),
        [['_delta_log/00000000000000000000.json', 2]],
        'direct children only',
      );
      assert.deepEqual(await s.listNames!('_delta_log'), ['00000000000000000000.json']);
      const all = (await s.listRecursive('')).map((e) => e.path).sort();
      assert.deepEqual(all, ['_delta_log/00000000000000000000.json', '_delta_log/_sidecars/s.parquet', 'a.parquet', 'p=1/q=x/b.parquet']);
      const seen: string[] = [];
      const filtered = await s.listRecursive('', (dir) => {
        seen.push(dir);
        return dir !== '_delta_log';
      });
      assert.deepEqual(filtered.map((e) => e.path).sort(), ['a.parquet', 'p=1/q=x/b.parquet']);
      assert.ok(seen.includes('p=1/q=x') && seen.includes('_delta_log'), 'the filter gets table-relative folder paths');
      assert.deepEqual(
        (await s.listRecursive('p=1/')).map((e) => e.path),
        ['p=1/q=x/b.parquet'],
        'paths stay relative to the table root',
      );
      await s.delete('a.parquet');
      await s.delete('a.parquet'); // deleting a missing object is not an error
      assert.equal(await s.get('a.parquet'), undefined);
      await assert.rejects(s.get('../elsewhere'), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
    });

    test('absolute URIs: readable inside the same bucket/container, refused elsewhere', async (t) => {
      const s = await lakeRoot(t);
      await s.put('deletion_vector_x.bin', 'dv');
      assert.equal(text(await s.getUri(`${s.location}/deletion_vector_x.bin`)), 'dv');
      await assert.rejects(s.getUri('s3://some-other-bucket/x.bin'.replace('s3', kind === 's3' ? 's3' : 'az')), (e) => isDeltaError(e, 'DELTA_UNSUPPORTED'));
      await assert.rejects(s.getUri('file:///etc/hostname'), (e) => isDeltaError(e, 'DELTA_UNSUPPORTED'));
    });

    test('engine files: written locally, uploaded on finish, fetched into another cache on read', async (t) => {
      const uri = await server.lake();
      const writer = await lakeRoot(t, uri);
      const local = await writer.prepareEngineWrite('part-1.parquet');
      await writeFile(local, 'parquet bytes');
      await writer.finishEngineWrite!('part-1.parquet');
      assert.equal(text(await writer.get('part-1.parquet')), 'parquet bytes', 'uploaded');
      const reader = await lakeRoot(t, uri);
      assert.notEqual(reader.engineUri('part-1.parquet'), local, 'each lake has its own cache');
      await reader.prepareEngineRead!(['part-1.parquet']);
      assert.equal(await readFile(reader.engineUri('part-1.parquet'), 'utf8'), 'parquet bytes');
      await assert.rejects(reader.prepareEngineRead!(['missing.parquet']), (e) => isDeltaError(e, 'DELTA_IO'));
      // Checkpoint scratch files in _delta_log stay local until deleted.
      const scratch = await writer.prepareEngineWrite('_delta_log/.checkpoint-x.json.tmp');
      await writer.put('_delta_log/.checkpoint-x.json.tmp', 'lines');
      assert.equal(await readFile(scratch, 'utf8'), 'lines');
      assert.equal(text(await writer.get('_delta_log/.checkpoint-x.json.tmp')), 'lines');
      assert.deepEqual(await writer.list('_delta_log'), [], 'nothing uploaded');
      await writer.delete('_delta_log/.checkpoint-x.json.tmp');
      assert.equal(await writer.get('_delta_log/.checkpoint-x.json.tmp'), undefined);
    });

    test('racing creators of one key: exactly one wins each round', async (t) => {
      const s = await lakeRoot(t);
      for (let round = 0; round < 10; round++) {
        const key = `_delta_log/${String(round).padStart(20, '0')}.json`;
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.putIfAbsent(key, `writer ${i}`)));
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`);
        const winner = results.indexOf(true);
        assert.equal(text(await s.get(key)), `writer ${winner}`, "the winner's content is what is stored");
      }
    });
  });
}

// Every AWS variable of the test's own environment is withheld from the service: only the files speak.
const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];

describe('start-up on S3: the put-if-absent probe, credentials from a profile', () => {
  let s3: StoreServer;
  before(async () => {
    s3 = await startStore('s3');
  });
  after(async () => {
    await s3?.stop();
  });

  test('a store behind a proxy that drops If-None-Match is refused at open, with the reason', async (t) => {
    const uri = await s3.lake();
    const proxy = await startHeaderStrippingProxy(s3.env.AWS_ENDPOINT_URL_S3);
    t.after(() => proxy.stop());
    const env = { ...s3.env, AWS_ENDPOINT_URL_S3: proxy.url };
    await assert.rejects(Lake.open({ uri, dataDir: await tempDir(t, 'lake-'), env }), (e: unknown) => {
      assert.ok(isDeltaError(e, 'DELTA_UNSUPPORTED'), String(e));
      assert.match((e as Error).message, /ignores conditional writes \(If-None-Match: \*\)/);
      assert.match((e as Error).message, /refused/);
      assert.doesNotMatch((e as Error).message, new RegExp(s3.env.AWS_SECRET_ACCESS_KEY), 'no secret in the message');
      return true;
    });
    assert.ok(proxy.stripped() >= 2, 'the probe sent conditional creates through the proxy');
    // The same store, reached directly, is accepted.
    const lake = await Lake.open({ uri, dataDir: await tempDir(t, 'lake-'), env: s3.env });
    assert.equal(lake.description, uri);
    assert.deepEqual(await lake.root().listRecursive(''), [], 'the probe leaves nothing behind');
  });

  test('the service signs with the profile of AWS_PROFILE (shared files, no key variables) and writes the lake; an unknown profile stops it at start-up', async (t) => {
    const uri = await s3.lake();
    const dir = await tempDir(t, 'aws-');
    const secret = `profile-secret-${randomUUID()}`;
    const credentials = join(dir, 'credentials');
    const config = join(dir, 'config');
    await writeFile(
      credentials,
      `[default]\naws_access_key_id = AKIADEFAULTPROFILE\naws_secret_access_key = default-${secret}\n\n[shori-lake]\naws_access_key_id = AKIASHORILAKEPROFILE\naws_secret_access_key = ${secret}\n`,
    );
    await writeFile(config, '[default]\nregion = us-west-2\n\n[profile shori-lake]\nregion = eu-west-3\n');
    // moto checks no signature: a proxy records which key and region each request was signed with.
    const proxy = await startHeaderStrippingProxy(s3.env.AWS_ENDPOINT_URL_S3, { strip: false });
    t.after(() => proxy.stop());
    const env = {
      GENERATOR_ENABLED: 'false',
      LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
      LAKE_URI: uri,
      AWS_ENDPOINT_URL_S3: proxy.url,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: config,
      AWS_PROFILE: 'shori-lake',
    };
    const service = await startService(env, { unset: AWS_VARIABLES });
    t.after(() => service.kill());
    const counts = await generate(service.dataDir, ['--count', '60', '--rate', '0', '--seed', '11']);
    const events = counts.inserts + counts.updates + counts.deletes + counts.keyChanges;
    await waitFor(
      'the lakehouse to catch up',
      async () => {
        const h = await service.health();
        return h.lag.length > 0 && h.lag.every((p) => p.lag === 0) && !h.lakehouse_pending && h.counters.events_received >= events;
      },
      120_000,
      300,
    );
    // Read back directly from the store, with the server's own keys: exactly the sources.
    assert.deepEqual(diffRows(sourceTickets(service.dataDir, ['shorisql_1', 'shorisql_2']), await silverTickets({ uri, env: s3.env })), []);
    const scopes = new Set(proxy.credentialScopes().map((scope) => scope.replace(/\/\d{8}\//, '/<date>/')));
    assert.ok(proxy.credentialScopes().length > 0, 'the service reached the store through the proxy');
    assert.deepEqual([...scopes], ['AKIASHORILAKEPROFILE/<date>/eu-west-3/s3/aws4_request'], "every request signed with the profile's key and region");
    const health = JSON.stringify(await service.health());
    assert.ok(!health.includes(secret) && !service.output().includes(secret), 'the secret is in neither health nor the log');
    assert.equal(await service.stop(), 0);

    // In process, the profile named by the `env` Lake.open is given (not process.env) is the one
    // used (the shared files are the process's, as the SDK reads them).
    const saved = { files: [process.env.AWS_SHARED_CREDENTIALS_FILE, process.env.AWS_CONFIG_FILE], seen: proxy.credentialScopes().length };
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials; // this test file's own process
    process.env.AWS_CONFIG_FILE = config;
    try {
      const lake = await Lake.open({ uri, dataDir: await tempDir(t, 'lake-'), env: { AWS_PROFILE: 'shori-lake', AWS_ENDPOINT_URL_S3: proxy.url } });
      assert.ok((await lake.tableNames('silver')).includes('tickets'));
      const keys = new Set(
        proxy
          .credentialScopes()
          .slice(saved.seen)
          .map((scope) => scope.split('/')[0]),
      );
      assert.deepEqual([...keys], ['AKIASHORILAKEPROFILE']);
    } finally {
      for (const [i, name] of (['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'] as const).entries()) {
        if (saved.files[i] === undefined) delete process.env[name];
        else process.env[name] = saved.files[i];
      }
    }

    await assert.rejects(startService({ ...env, AWS_PROFILE: 'no-such-profile' }, { unset: AWS_VARIABLES }), (e: unknown) => {
      const message = (e as Error).message;
      assert.match(message, /service exited with 1 at start-up/);
      assert.match(message, /start-up failed/);
      assert.ok(
        message.includes(
          `The lake ${uri} could not be opened with the credentials of the AWS profile 'no-such-profile' (AWS_PROFILE; shared files ${credentials}, ${config})`,
        ),
        message,
      );
      assert.ok(!message.includes(secret), 'no secret in the error');
      return true;
    });
  });
});
