// Table retention properties are Spark calendar intervals: `interval 7 days`, `interval 1 hour`,
// `interval 2 days 12 hours`, `1 week` (the `interval` keyword is optional). This turns them into
// milliseconds; anything unparsable is reported, never silently read as zero.
import { DeltaError } from '../errors.ts';

const UNIT_MS: Record<string, number> = {
  week: 7 * 86_400_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
  microsecond: 0.001,
};

export const DEFAULT_DELETED_FILE_RETENTION_MS = 7 * 86_400_000;

/** Milliseconds of an interval string, or undefined when it is not one. */
export function parseIntervalMs(text: string): number | undefined {
  const tokens = text.trim().toLowerCase().split(/\s+/);
  if (tokens[0] === 'interval') tokens.shift();
  if (tokens.length === 0 || tokens.length % 2 !== 0) return undefined;
  let total = 0;
  for (let i = 0; i < tokens.length; i += 2) {
    const n = Number(tokens[i]);
    const unit = tokens[i + 1].replace(/s$/, '');
    if (!Number.isFinite(n) || !(unit in UNIT_MS)) return undefined;
    total += n * UNIT_MS[unit];
  }
  return total;
}

/** `delta.deletedFileRetentionDuration` of a table (default 7 days). */
export function deletedFileRetentionMs(properties: Record<string, string>): number {
  const raw = properties['delta.deletedFileRetentionDuration'];
  if (raw === undefined) return DEFAULT_DELETED_FILE_RETENTION_MS;
  const ms = parseIntervalMs(raw);
  if (ms === undefined || ms < 0) {
    throw new DeltaError(
      'DELTA_PROTOCOL',
      `Table property delta.deletedFileRetentionDuration='${raw}' is not an interval. Help: use e.g. 'interval 7 days' or 'interval 1 hour'.`,
      { context: { property: 'delta.deletedFileRetentionDuration', value: raw } },
    );
  }
  return ms;
}
