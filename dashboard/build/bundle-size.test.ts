import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { bundleTotals, formatTotals } from './bundle-size.ts';

test('sums JS and CSS, raw and gzip, and ignores other assets', () => {
  const js = 'console.log("hello");'.repeat(100);
  const css = Buffer.from('body{color:red}'.repeat(50));
  const t = bundleTotals([
    { fileName: 'assets/index.js', bytes: js },
    { fileName: 'assets/index.css', bytes: css },
    { fileName: 'index.html', bytes: '<html></html>' },
  ]);
  assert.equal(t.js.raw, js.length);
  assert.equal(t.css.raw, css.byteLength);
  assert.equal(t.js.gzip, gzipSync(js, { level: 9 }).byteLength);
  assert.ok(t.js.gzip < t.js.raw);
  assert.equal(t.gzipTotal, t.js.gzip + t.css.gzip);
  assert.match(formatTotals(t), /^dashboard bundle: JS 2\.1 kB \(gzip 0\.\d kB\), CSS 0\.8 kB .*total gzip/);
});
