import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDecimalBase64, encodeDecimalBase64, rescaleDecimal, unscaledFromBytes, unscaledToBytes } from './decimal.ts';

test("decodes the fixtures' Decimal bytes at their scale", () => {
  assert.equal(decodeDecimalBase64('dzWUAA==', 4), '200000.0000'); // MONEY sal
  assert.equal(decodeDecimalBase64('AYag', 4), '10.0000'); // MONEY comm
  assert.equal(decodeDecimalBase64('BGM=', 3), '1.123'); // DECIMAL(6,3)
  assert.equal(decodeDecimalBase64('Ag==', 0), '2'); // NUMERIC(18,0)
  assert.equal(decodeDecimalBase64('AM/u', 4), '5.3230'); // SMALLMONEY
  assert.equal(decodeDecimalBase64('APb+', 4), '6.3230'); // MONEY
});

test("follows BigInteger.toByteArray: the README's computed values", () => {
  assert.equal(encodeDecimalBase64('-1.123', 3), '+50=');
  assert.equal(decodeDecimalBase64('+50=', 3), '-1.123');
  const cases: Array<[bigint, string]> = [
    [-1n, '/w=='],
    [0n, 'AA=='],
    [128n, 'AIA='],
    [-128n, 'gA=='],
  ];
  for (const [unscaled, base64] of cases) {
    assert.equal(unscaledToBytes(unscaled).toString('base64'), base64, `encode ${unscaled}`);
    assert.equal(unscaledFromBytes(Buffer.from(base64, 'base64')), unscaled, `decode ${base64}`);
  }
});

test('round-trips every byte-length boundary and a DECIMAL(38,10) value exactly', () => {
  for (let bits = 1n; bits <= 130n; bits++) {
    for (const v of [(1n << bits) - 1n, 1n << bits, -(1n << bits), -(1n << bits) - 1n]) {
      assert.equal(unscaledFromBytes(unscaledToBytes(v)), v);
    }
  }
  const big = '-9999999999999999999999999999.9999999999';
  assert.equal(decodeDecimalBase64(encodeDecimalBase64(big, 10), 10), big);
  assert.equal(decodeDecimalBase64('AA==', 2), '0.00');
  assert.equal(decodeDecimalBase64('/w==', 3), '-0.001');
});

test('refuses text that is not base64', () => {
  assert.throws(() => decodeDecimalBase64('not base64!', 2), /not base64/);
  assert.throws(() => decodeDecimalBase64('', 2), /not base64/);
  assert.throws(() => decodeDecimalBase64('BGM', 2), /not base64/);
});

test('rescales plain decimals and doubles to the exact scale', () => {
  assert.equal(rescaleDecimal('5.323', 4, 'exact'), '5.3230');
  assert.equal(rescaleDecimal(6.323, 4, 'round'), '6.3230');
  assert.equal(rescaleDecimal(2, 0, 'exact'), '2');
  assert.equal(rescaleDecimal('1.5E+2', 1, 'exact'), '150.0');
  assert.equal(rescaleDecimal('-0.5', 0, 'round'), '-1'); // half away from zero
  assert.equal(rescaleDecimal(0.1 + 0.2, 2, 'round'), '0.30');
  assert.throws(() => rescaleDecimal('1.125', 2, 'exact'), /more than 2 fractional digits/);
  assert.equal(rescaleDecimal('1.120', 2, 'exact'), '1.12');
  assert.throws(() => rescaleDecimal(Number.NaN, 2, 'round'), /NaN/);
});
