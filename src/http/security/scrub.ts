// What leaves the service in an error message (HTTP answers, /api/health, SSE pipeline_error):
// absolute paths become relative to the lake (`silver/tickets/_delta_log/...`) or to the data
// folder, the home folder becomes `~`, and stack frames are dropped. Logs keep the full text.
import os from 'node:os';
import path from 'node:path';

export type Scrubber = (text: string) => string;

const STACK_FRAME = /\n\s+at [^\n]*/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Prefixes longest first, each with the text it becomes, as written (absolute, file:// URL, as given). */
function replacements(dataDir: string, extra: Array<[string, string]>): Array<[string, string]> {
  const data = path.resolve(dataDir);
  const lake = path.join(data, 'datalake');
  const pairs: Array<[string, string]> = [[`${lake}${path.sep}`, ''], [lake, '.'], [`${data}${path.sep}`, ''], [data, '.'], ...extra, [os.homedir(), '~']];
  const out: Array<[string, string]> = [];
  for (const [from, to] of pairs) {
    if (from.length < 2) continue;
    out.push([`file://${from}`, to], [from, to]);
  }
  // The data folder as configured (e.g. ./data), when it differs from the absolute form.
  if (dataDir !== data && dataDir.length > 1) out.push([`${dataDir.replace(/\/$/, '')}/datalake/`, ''], [`${dataDir.replace(/\/$/, '')}/`, '']);
  return out.sort((a, b) => b[0].length - a[0].length);
}

export function createScrubber(dataDir: string, extra: Array<[string, string]> = []): Scrubber {
  const table = replacements(dataDir, extra);
  const pattern = new RegExp(table.map(([from]) => escapeRegExp(from)).join('|'), 'g');
  const to = new Map(table);
  return (text) => text.replace(STACK_FRAME, '').replace(pattern, (m) => to.get(m) ?? m);
}
