import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isShoriError } from '../../errors.ts';
import { parseLakeUri } from './lake-uri.ts';
import { azureClient, s3Client } from './store-clients.ts';

const KEY = 'c2VjcmV0LWtleS1ub3Qtc2hvd24=';
const connection = (account: string) => `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:1/${account};`;
const abfss = (account: string) => parseLakeUri(`abfss://lake@${account}.dfs.core.windows.net/medallion`, '/data') as Parameters<typeof azureClient>[0];

test('abfss://: the connection string (and its BlobEndpoint) serves the account the URI names', () => {
  const client = azureClient(abfss('devstoreaccount1'), { AZURE_STORAGE_CONNECTION_STRING: connection('DevStoreAccount1') });
  assert.equal(client.uriPrefix, 'abfss://lake@devstoreaccount1.dfs.core.windows.net/');
  assert.equal(azureClient({ container: 'lake', scheme: 'az' }, { AZURE_STORAGE_CONNECTION_STRING: connection('other') }).uriPrefix, 'az://lake/');
});

test('abfss://: a connection string for another account is refused, its key not echoed', () => {
  assert.throws(
    () => azureClient(abfss('myaccount'), { AZURE_STORAGE_CONNECTION_STRING: connection('devstoreaccount1') }),
    (e: unknown) => {
      assert.ok(isShoriError(e, 'SHORI_CONFIG_INVALID'));
      assert.match((e as Error).message, /names the storage account 'myaccount' but AZURE_STORAGE_CONNECTION_STRING is for the account 'devstoreaccount1'/);
      assert.ok(!(e as Error).message.includes(KEY));
      return true;
    },
  );
});

test('S3: shared config files named in `env` but not in the process environment are refused, not silently ignored', () => {
  const file = `/nonexistent/${process.pid}/credentials`;
  assert.throws(
    () => s3Client({ bucket: 'b' }, { AWS_PROFILE: 'p', AWS_SHARED_CREDENTIALS_FILE: file }),
    (e: unknown) =>
      isShoriError(e, 'SHORI_CONFIG_INVALID') && /AWS_SHARED_CREDENTIALS_FILE is read from the process environment only/.test((e as Error).message),
  );
  const before = process.env.AWS_SHARED_CREDENTIALS_FILE;
  process.env.AWS_SHARED_CREDENTIALS_FILE = file; // this test file's own process
  try {
    assert.equal(
      s3Client({ bucket: 'b' }, { AWS_PROFILE: 'p', AWS_SHARED_CREDENTIALS_FILE: file }).uriPrefix,
      's3://b/',
      'the same file as the process: accepted',
    );
  } finally {
    if (before === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    else process.env.AWS_SHARED_CREDENTIALS_FILE = before;
  }
});
