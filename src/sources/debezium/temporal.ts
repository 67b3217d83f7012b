// Debezium/Connect temporal values → the strings of the CdcValue contract, exactly and for any epoch
// value (before 1970, beyond Date's range), using integer calendar arithmetic instead of Date.
//
// Wire forms: dates are days since 1970-01-01 (int32); times are ms (int32) / µs / ns (int64) since
// midnight; timestamps are ms / µs / ns since the epoch, "local" types taken as UTC (int64, may
// exceed 2^53 → bigint); ZonedTimestamp/IsoTimestamp are ISO-8601 strings with an offset
// ("2018-07-13T12:23:45.456+11:00"). Output: "YYYY-MM-DD", "HH:MM:SS[.f…]",
// "YYYY-MM-DDTHH:MM:SS[.f…]Z" with 3/6/9 fractional digits for ms/µs/ns, or the digits given.

export type TimeUnit = 'ms' | 'us' | 'ns';

const UNIT_DIGITS: Record<TimeUnit, number> = { ms: 3, us: 6, ns: 9 };

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Days since 1970-01-01 → proleptic Gregorian (y, m, d). Hinnant's civil_from_days. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Proleptic Gregorian (y, m, d) → days since 1970-01-01. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
}

// Consecutive change events mostly fall on the same day: remember the last one formatted.
let lastDays = NaN;
let lastDate = '';

export function formatEpochDays(days: number | bigint): string {
  const n = Number(days);
  if (n === lastDays) return lastDate;
  const [y, m, d] = civilFromDays(n);
  lastDate = `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
  lastDays = n;
  return lastDate;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => pad(i, 2));
const twoDigits = (n: number): string => (n < 100 ? TWO_DIGITS[n] : String(n));

function formatSecondOfDay(second: number, fraction: string): string {
  const h = Math.floor(second / 3600);
  const min = Math.floor((second % 3600) / 60);
  const s = second % 60;
  return `${twoDigits(h)}:${TWO_DIGITS[min]}:${TWO_DIGITS[s]}${fraction === '' ? '' : '.' + fraction}`;
}

const PER_SECOND: Record<TimeUnit, number> = { ms: 1e3, us: 1e6, ns: 1e9 };
/** Below this magnitude, epoch arithmetic in doubles is exact (products stay under 2^53). */
const NUMBER_MATH_LIMIT = 2 ** 52;

/** Splits an epoch value into (second, sub-second count) with floor semantics, in doubles. */
function splitSeconds(value: number, per: number): [number, number] {
  let second = Math.floor(value / per);
  let rest = value - second * per;
  if (rest < 0) ((second -= 1), (rest += per));
  else if (rest >= per) ((second += 1), (rest -= per));
  return [second, rest];
}

/** Time since midnight in `unit` → "HH:MM:SS.fff" (3/6/9 digits). Negative (MySQL TIME) → "-…". */
export function formatTimeOfDay(value: number | bigint, unit: TimeUnit): string {
  const digits = UNIT_DIGITS[unit];
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= NUMBER_MATH_LIMIT) {
    const [second, rest] = splitSeconds(Math.abs(value), PER_SECOND[unit]);
    const text = formatSecondOfDay(second, pad(rest, digits));
    return value < 0 ? '-' + text : text;
  }
  const total = BigInt(value);
  const magnitude = total < 0n ? -total : total;
  const perSecond = 10n ** BigInt(digits);
  const text = formatSecondOfDay(Number(magnitude / perSecond), pad(magnitude % perSecond, digits));
  return total < 0n ? '-' + text : text;
}

function formatEpochSecond(second: bigint, fraction: string): string {
  const days = floorDiv(second, 86400n);
  const secondOfDay = Number(second - days * 86400n);
  return `${formatEpochDays(days)}T${formatSecondOfDay(secondOfDay, fraction)}Z`;
}

/** Epoch value in `unit` → ISO-8601 UTC with 3/6/9 fractional digits. */
export function formatEpochTimestamp(value: number | bigint, unit: TimeUnit): string {
  const digits = UNIT_DIGITS[unit];
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= NUMBER_MATH_LIMIT) {
    const [second, rest] = splitSeconds(value, PER_SECOND[unit]);
    const [day, secondOfDay] = splitSeconds(second, 86400);
    return `${formatEpochDays(day)}T${formatSecondOfDay(secondOfDay, pad(rest, digits))}Z`;
  }
  const total = BigInt(value);
  const perSecond = 10n ** BigInt(digits);
  const second = floorDiv(total, perSecond);
  return formatEpochSecond(second, pad(total - second * perSecond, digits));
}

const OFFSET = '(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)';
const TIME = '(\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?';
const ZONED_TIMESTAMP = new RegExp(`^([+-]?\\d{4,9})-(\\d{2})-(\\d{2})[T ]${TIME}${OFFSET}?$`);
const ZONED_TIME = new RegExp(`^${TIME}${OFFSET}?$`);
const ISO_DATE = new RegExp(`^([+-]?\\d{4,9})-(\\d{2})-(\\d{2})${OFFSET}?$`);

function offsetSeconds(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replaceAll(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0));
}

/**
 * ISO-8601 date-time with an offset → the same instant in UTC ("…Z"), fractional digits kept as
 * written. `requireOffset` false treats a missing offset as UTC. Returns null when not parseable.
 */
export function normaliseZonedTimestamp(text: string, requireOffset: boolean): string | null {
  const m = ZONED_TIMESTAMP.exec(text);
  if (m === null || (requireOffset && m[8] === undefined)) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset] = m;
  const days = daysFromCivil(Number(y), Number(mo), Number(d));
  const second = BigInt(days) * 86400n + BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s) - offsetSeconds(offset));
  return formatEpochSecond(second, fraction);
}

/** "HH:MM:SS[.f][offset]" → the UTC time of day "HH:MM:SS[.f]" (wrapping at midnight). */
export function normaliseZonedTime(text: string): string | null {
  const m = ZONED_TIME.exec(text);
  if (m === null) return null;
  const [, h, mi, s = '0', fraction = '', offset] = m;
  const second = (((Number(h) * 3600 + Number(mi) * 60 + Number(s) - offsetSeconds(offset)) % 86400) + 86400) % 86400;
  return formatSecondOfDay(second, fraction);
}

/** "YYYY-MM-DD[offset]" (io.debezium.time.IsoDate, e.g. "2017-09-15Z") → "YYYY-MM-DD". */
export function normaliseIsoDate(text: string): string | null {
  const m = ISO_DATE.exec(text);
  if (m === null) return null;
  return formatEpochDays(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
}
