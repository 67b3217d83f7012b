// Display formatting shared by the panels: counts, durations, clock times. Pure and locale-stable
// (en-US grouping) so the unit tests and the browser tests read the same text.

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 12345 -> "12,345"; null -> "–". */
export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : intFormat.format(n);
}

/** Events per second with one decimal: 4.25 -> "4.3". */
export function formatRate(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : oneDecimal.format(n);
}

export function formatMoney(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : money.format(n);
}

/** A duration for people: "850 ms", "12 s", "3 min 5 s", "2 h 4 min", "1 d 3 h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  const totalSec = Math.floor(abs / 1000);
  if (totalSec < 60) {
    const precise = abs / 1000;
    return `${sign}${precise < 10 ? oneDecimal.format(precise) : totalSec} s`;
  }
  const days = Math.floor(totalSec / 86400);
  const hours = Math.floor((totalSec % 86400) / 3600);
  const minutes = Math.floor((totalSec % 3600) / 60);
  const seconds = totalSec % 60;
  if (days > 0) return `${sign}${days} d${hours ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${sign}${hours} h${minutes ? ` ${minutes} min` : ''}`;
  return `${sign}${minutes} min${seconds ? ` ${seconds} s` : ''}`;
}

/** Local clock time "08:01:02" for an epoch-ms instant. */
export function formatClock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local clock time with milliseconds, "08:01:02.345". */
export function formatClockMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return `${formatClock(ms)}.${String(new Date(ms).getMilliseconds()).padStart(3, '0')}`;
}

/** "12 s ago" style age of an instant relative to now. */
export function formatAge(thenMs: number | null | undefined, nowMs: number): string {
  if (thenMs === null || thenMs === undefined || !Number.isFinite(thenMs)) return 'never';
  const age = Math.max(0, nowMs - thenMs);
  return age < 1000 ? 'just now' : `${formatDuration(age)} ago`;
}
