// The object-store Storage against real servers on loopback (Azurite for Azure Blob, an
// S3-compatible server for S3), started once for this file: the Storage contract the Delta library
// relies on (put-if-absent, listings, stat, delete, absolute URIs, the engine's local cache), racing
// creators of one key (exactly one wins), and the start-up probe: a store behind a proxy that drops
// If-None-Match is refused with a message that says why, while the real stores pass.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { isDeltaError } from '@shori/delta';
import { Lake } from '../../src/lakehouse/lake/lake.ts';
import type { Storage } from '@shori/delta';
import { tempDir } from '../helpers/duck.ts';
import { startHeaderStrippingProxy, startStore, type StoreKind, type StoreServer } from '../helpers/object-stores.ts';

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

describe('the put-if-absent probe', () => {
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
});
