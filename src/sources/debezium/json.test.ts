import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonNumberText, parseExactJson, parseLosslessJson, plainJson } from './json.ts';

/** The lossless parse with non-integers of < 16 mantissa digits as plain numbers: parseExactJson's promise. */
function expected(text: string): unknown {
  const canon = (v: unknown): unknown => {
    if (v instanceof JsonNumberText) return v.text.split(/[eE]/)[0].replace(/[^0-9]/g, '').length >= 16 ? v : v.toNumber();
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: canon(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return canon(parseLosslessJson(text));
}

test('long integers become exact bigints; safe ones stay numbers', () => {
  const value = parseExactJson('{"ns":1531481025340000000,"max":9223372036854775807,"min":-9223372036854775808,"safe":9007199254740991,"small":42}');
  assert.deepEqual(value, { ns: 1531481025340000000n, max: 9223372036854775807n, min: -9223372036854775808n, safe: 9007199254740991, small: 42 });
  assert.equal(parseExactJson('18446744073709551615'), 18446744073709551615n);
  assert.deepEqual(parseExactJson('[12345678901234567,1]'), [12345678901234567n, 1]);
});

test('numbers with 16+ digits keep their text; shorter ones are exact as doubles', () => {
  const value = parseExactJson('{"a":12345678901234567.89,"b":0.30000000000000004,"c":1.5e+12345678901234567,"d":1.125,"e":-0.5}') as Record<string, unknown>;
  assert.deepEqual(value.a, new JsonNumberText('12345678901234567.89'));
  assert.deepEqual(value.b, new JsonNumberText('0.30000000000000004'));
  assert.deepEqual(value.c, new JsonNumberText('1.5e+12345678901234567'));
  assert.equal(value.d, 1.125);
  assert.equal(value.e, -0.5);
});

test('digits inside strings are left alone, escaped quotes included', () => {
  const text = '{"s":"1531481025340000000","t":"say \\"12345678901234567890\\" twice","u":"\\\\","n":12345678901234567890,"lsn":"00000027:00000758:0005"}';
  assert.deepEqual(parseExactJson(text), {
    s: '1531481025340000000',
    t: 'say "12345678901234567890" twice',
    u: '\\',
    n: 12345678901234567890n,
    lsn: '00000027:00000758:0005',
  });
});

test('strings that start with U+0000 are not mistaken for numbers', () => {
  assert.deepEqual(parseExactJson('{"a":"\\u00001234567890123456789","b":12345678901234567890}'), { a: '\u00001234567890123456789', b: 12345678901234567890n });
  assert.deepEqual(parseExactJson('["\\u0000x"]'), ['\u0000x']);
});

test('__proto__ keys stay own data, their long numbers exact', () => {
  const value = parseExactJson('{"__proto__":12345678901234567890,"x":{"__proto__":{"y":12345678901234567890}}}') as Record<string, any>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, 12345678901234567890n);
  assert.equal(Object.getOwnPropertyDescriptor(value.x, '__proto__')?.value.y, 12345678901234567890n);
});

test('bad JSON still throws, including malformed long numbers', () => {
  for (const text of ['{"a":12345678901234567.5.5}', '{"a":012345678901234567}', '{"a":1234567890123456789', '[1,]', '', '{"a":"12345678901234567890}']) {
    assert.throws(() => parseExactJson(text), SyntaxError, text);
  }
});

test('agrees with the reviver-based parse on generated documents', () => {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const digits = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 + rand(9) : rand(10))).join('');
  const number = () => {
    const sign = rand(3) === 0 ? '-' : '';
    const int = rand(5) === 0 ? '0' : digits(1 + rand(22));
    const frac =
      rand(3) === 0
        ? `.${digits(1 + rand(20))
            .split('')
            .reverse()
            .join('')}`
        : '';
    const exp = rand(8) === 0 ? `e${rand(2) ? '-' : '+'}${rand(30)}` : '';
    return `${sign}${int}${frac}${exp}`;
  };
  const string = () => JSON.stringify(rand(2) ? digits(1 + rand(25)) : `x${number()}"\\${number()}`);
  const value = (depth: number): string => {
    const k = depth > 3 ? rand(3) : rand(5);
    if (k === 0) return number();
    if (k === 1) return string();
    if (k === 2) return ['true', 'false', 'null'][rand(3)];
    if (k === 3) return `[${Array.from({ length: rand(4) }, () => value(depth + 1)).join(',')}]`;
    return `{${Array.from({ length: rand(5) }, (_, i) => `${JSON.stringify(`k${i}`)}:${value(depth + 1)}`).join(',')}}`;
  };
  for (let i = 0; i < 500; i++) {
    const text = value(0);
    assert.deepEqual(parseExactJson(text), expected(text), text);
    assert.deepEqual(plainJson(parseExactJson(text)), plainJson(parseLosslessJson(text)), text);
  }
});

test('16-digit integers on both sides of the safe range, and long runs next to each other', () => {
  const value = parseExactJson(
    '{"a":9007199254740991,"b":9007199254740992,"c":-9007199254740991,"d":-9007199254740992,"e":1790000000001000,' +
      '"f":[1000000000000000,9999999999999999,1234567890123456.5],"g":"9007199254740993","h":12345678901234567890123}',
  );
  assert.deepEqual(value, {
    a: 9007199254740991,
    b: 9007199254740992n,
    c: -9007199254740991,
    d: -9007199254740992n,
    e: 1790000000001000,
    f: [1000000000000000, 9999999999999999n, new JsonNumberText('1234567890123456.5')],
    g: '9007199254740993',
    h: 12345678901234567890123n,
  });
});
