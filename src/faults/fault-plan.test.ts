import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FaultSwitch, parseFaultSpec } from './fault-plan.ts';
import { isShoriError } from '../errors.ts';
import { tableFaultName } from './index.ts';

test('SHORI_FAULT parses <point>:<n> entries, separated by commas; unset or empty arms nothing', () => {
  assert.deepEqual(parseFaultSpec(undefined), []);
  assert.deepEqual(parseFaultSpec(' '), []);
  assert.deepEqual(parseFaultSpec('silver.tickets:commit:3, feed:before-commit:1'), [
    { point: 'silver.tickets:commit', n: 3 },
    { point: 'feed:before-commit', n: 1 },
  ]);
  for (const bad of ['silver.tickets:commit', 'feed:before-commit:0', 'x:1.5', ':2', 'feed:after-commit:-1']) {
    assert.throws(
      () => parseFaultSpec(bad),
      (e) => isShoriError(e, 'SHORI_CONFIG_INVALID') && e.message.includes('SHORI_FAULT'),
      bad,
    );
  }
});

test('the switch kills exactly on the n-th passage of an armed point, and counts only armed points', () => {
  const kills: string[] = [];
  const faults = new FaultSwitch(
    [
      { point: 'a:commit', n: 3 },
      { point: 'b:vacuum', n: 1 },
    ],
    (point, n) => kills.push(`${point}#${n}`),
  );
  assert.equal(faults.armed, true);
  assert.equal(faults.armedFor('a:'), true);
  assert.equal(faults.armedFor('c:'), false);
  faults.reach('a:commit');
  faults.reach('a:commit');
  faults.reach('other');
  assert.deepEqual(kills, []);
  faults.reach('a:commit');
  assert.deepEqual(kills, ['a:commit#3']);
  faults.reach('a:commit');
  assert.deepEqual(kills, ['a:commit#3'], 'only the n-th passage kills');
  faults.reach('b:vacuum');
  assert.deepEqual(kills, ['a:commit#3', 'b:vacuum#1']);
  assert.equal(faults.count('a:commit'), 4);
  assert.equal(faults.count('other'), 0);
  assert.equal(new FaultSwitch([]).armed, false);
});

test('table fault names are <layer>.<name> of the table folder', () => {
  assert.equal(tableFaultName('/data/datalake/silver/tickets'), 'silver.tickets');
  assert.equal(tableFaultName('/data/datalake/gold/open_backlog'), 'gold.open_backlog');
});

test('faultPoint really SIGKILLs the process on the armed passage, with a line on stderr', () => {
  const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `const { faultPoint } = await import(${JSON.stringify(entry)});
    for (let i = 1; i <= 5; i++) { process.stdout.write('pass ' + i + '\\n'); faultPoint('feed:after-commit'); }
    process.stdout.write('survived\\n');`;
  const run = (fault: string | undefined) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, SHORI_FAULT: fault ?? '' }, encoding: 'utf8' });
  const killed = run('feed:after-commit:2');
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(killed.stdout, 'pass 1\npass 2\n');
  assert.match(killed.stderr, /SHORI_FAULT: feed:after-commit reached 2 time\(s\): SIGKILL/);
  const unarmed = run(undefined);
  assert.equal(unarmed.status, 0);
  assert.match(unarmed.stdout, /pass 5\nsurvived\n$/);
  const other = run('feed:before-commit:1');
  assert.equal(other.status, 0, 'another point armed: this one passes');
});

test('storageFor is the plain local storage when no point of the table is armed', async () => {
  const { storageFor } = await import('./index.ts');
  const { LocalStorage } = await import('@shori/delta');
  assert.equal(process.env.SHORI_FAULT ?? '', '', 'this test runs without SHORI_FAULT');
  assert.ok(storageFor('/tmp/x/datalake/silver/tickets') instanceof LocalStorage);
});
