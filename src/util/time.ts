// Timestamps as the wire contract writes them: ISO-8601 UTC with microseconds.

let lastMicros = 0;

/** Epoch microseconds from the high-resolution clock, never going backwards within the process. */
export function epochMicros(): number {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = Math.max(lastMicros + 1, micros);
  return lastMicros;
}

export function isoMicros(micros: number = epochMicros()): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}
