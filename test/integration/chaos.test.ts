// The chaos run in CI (issue 8): a short `npm run chaos` (20 trials, fixed seed) must end with zero
// lost, duplicated, resurrected and wrongly quarantined, and exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/service-process.ts';

test('chaos: 20 trials of SIGKILL at random moments and fault points, nothing lost, duplicated or resurrected', async (t) => {
  const child = spawn(process.execPath, [join(REPO, 'test/chaos/run.ts'), '--trials', '20', '--seed', '20'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lines = out.trim().split('\n');
  t.diagnostic(lines.filter((l) => l.startsWith('chaos:') || l.startsWith('checked')).join(' / '));
  assert.equal(lines.at(-1), 'chaos: 20 trials, 0 lost, 0 duplicated, 0 resurrected, 0 wrongly quarantined', out.slice(-4000));
  assert.equal(code, 0);
  assert.ok(/chaos: [1-9]\d* kills at fault points/.test(out), 'some trials died at a fault point');
});
