// Honest CI: scripts/test.sh lists every skipped test with its reason and, under CI=true, fails
// the run on any skip; .ci/run sets CI=true itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/service-process.ts';

function runTestScript(ci: boolean): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  delete env.NODE_TEST_CONTEXT; // run as a top-level test run, not as a child of this one
  if (ci) env.CI = 'true';
  const r = spawnSync('bash', [join(REPO, 'scripts/test.sh'), 'test/fixtures/ci/skip-sample.ts'], { cwd: REPO, env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('without CI, npm test passes and ends by listing what it skipped and why', () => {
  const { status, out } = runTestScript(false);
  assert.equal(status, 0, out);
  const tail = out.slice(out.indexOf('[test] 2 test(s) skipped'));
  assert.match(tail, /skip: test\/fixtures\/ci\/skip-sample\.ts > skipped by option: the sample corpus is absent/);
  assert.match(tail, /skip: test\/fixtures\/ci\/skip-sample\.ts > skipped inside: the sample service is down/);
});

test('under CI=true a skipped test fails the run', () => {
  const { status, out } = runTestScript(true);
  assert.equal(status, 1, out);
  assert.match(out, /FAIL: under CI=true nothing may be skipped/);
});

test('.ci/run sets CI=true itself before running the suite', () => {
  const script = readFileSync(join(REPO, '.ci/run'), 'utf8');
  const exported = script.search(/^export CI=true$/m);
  assert.ok(exported > 0, '.ci/run exports CI=true');
  assert.ok(exported < script.search(/^npm test$/m), 'before npm test');
});
