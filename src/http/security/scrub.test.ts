import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { createScrubber } from './scrub.ts';

test('lake paths become relative to the lake; data, home and stack frames do not leave', () => {
  const data = path.join(os.tmpdir(), 'shori-scrub', 'data');
  const scrub = createScrubber(data);
  assert.equal(
    scrub(`Reading ${data}/datalake/silver/tickets/_delta_log/00000000000000000003.json failed: ENOTDIR`),
    'Reading silver/tickets/_delta_log/00000000000000000003.json failed: ENOTDIR',
  );
  assert.equal(scrub(`read_parquet failed: file://${data}/datalake/bronze/cdc_events/part-0.parquet`), 'read_parquet failed: bronze/cdc_events/part-0.parquet');
  assert.equal(scrub(`cannot open ${data}/sources/shorisql_1.db`), 'cannot open sources/shorisql_1.db');
  assert.equal(scrub(`config at ${os.homedir()}/x/gold.sql`), 'config at ~/x/gold.sql');
  assert.equal(scrub('boom\n    at f (/srv/app/src/x.ts:1:2)\n    at g (node:internal)'), 'boom');
  // A data dir given relative, as in the default ./data.
  assert.equal(createScrubber('./data')('open ./data/datalake/gold/x failed'), 'open gold/x failed');
});
