import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isShoriError } from '../../errors.ts';
import { describeLake, parseLakeUri } from './lake-uri.ts';

test('LAKE_URI: local paths, s3://, az:// and abfss:// locations', () => {
  assert.deepEqual(parseLakeUri('', '/data'), { kind: 'local', path: '/data/datalake' });
  assert.deepEqual(parseLakeUri('./lake', '/data'), { kind: 'local', path: path.resolve('./lake') });
  assert.deepEqual(parseLakeUri('file:///srv/lake', '/data'), { kind: 'local', path: '/srv/lake' });
  assert.deepEqual(parseLakeUri('s3://my-bucket/a/b/', '/data'), { kind: 's3', bucket: 'my-bucket', prefix: 'a/b' });
  assert.deepEqual(parseLakeUri('s3://my-bucket', '/data'), { kind: 's3', bucket: 'my-bucket', prefix: '' });
  assert.deepEqual(parseLakeUri('az://lake/medallion', '/data'), { kind: 'azure', container: 'lake', prefix: 'medallion', scheme: 'az' });
  const abfss = parseLakeUri('abfss://lake@myaccount.dfs.core.windows.net/medallion', '/data');
  assert.deepEqual(abfss, { kind: 'azure', container: 'lake', account: 'myaccount', prefix: 'medallion', scheme: 'abfss' });
  assert.equal(describeLake(abfss), 'abfss://lake@myaccount.dfs.core.windows.net/medallion');
});

test('LAKE_URI: credentials, queries, unknown schemes and bad names are refused, the secret not echoed', () => {
  const refused = (uri: string, pattern: RegExp) =>
    assert.throws(
      () => parseLakeUri(uri, '/data'),
      (e: unknown) => {
        assert.ok(isShoriError(e, 'SHORI_CONFIG_INVALID'));
        assert.match((e as Error).message, pattern);
        assert.doesNotMatch((e as Error).message, /s3cr3t/);
        return true;
      },
    );
  refused('s3://AKIA:s3cr3t@bucket/x', /must not carry credentials/);
  refused('az://lake/x?sig=s3cr3t', /must not carry credentials/);
  refused('gs://bucket/x', /scheme 'gs:' is not supported/);
  refused('s3://Bad_Bucket/x', /not a valid S3 bucket name/);
  refused('abfss://lake@account.blob.core.windows.net/x', /expected abfss:/);
});
