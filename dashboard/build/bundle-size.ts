// Build-time report of the dashboard's weight: Vite prints each file; this adds the one line that
// matters for a budget, the total JS + CSS after gzip (what a browser actually downloads).
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export interface BundleFile {
  fileName: string;
  bytes: Uint8Array | string;
}

export interface BundleTotals {
  js: { raw: number; gzip: number };
  css: { raw: number; gzip: number };
  gzipTotal: number;
}

export function bundleTotals(files: readonly BundleFile[]): BundleTotals {
  const totals: BundleTotals = { js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 }, gzipTotal: 0 };
  for (const f of files) {
    const kind = f.fileName.endsWith('.js') ? 'js' : f.fileName.endsWith('.css') ? 'css' : null;
    if (!kind) continue;
    const buf = typeof f.bytes === 'string' ? Buffer.from(f.bytes) : f.bytes;
    totals[kind].raw += buf.byteLength;
    totals[kind].gzip += gzipSync(buf, { level: 9 }).byteLength;
  }
  totals.gzipTotal = totals.js.gzip + totals.css.gzip;
  return totals;
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

export function formatTotals(t: BundleTotals): string {
  return `dashboard bundle: JS ${kb(t.js.raw)} (gzip ${kb(t.js.gzip)}), CSS ${kb(t.css.raw)} (gzip ${kb(t.css.gzip)}), total gzip ${kb(t.gzipTotal)}`;
}

/** Vite plugin: prints formatTotals() once the bundle is written. */
export function bundleSizeReport(): Plugin {
  return {
    name: 'shori-bundle-size',
    apply: 'build',
    writeBundle(_options, bundle) {
      const files: BundleFile[] = [];
      for (const out of Object.values(bundle)) {
        files.push({ fileName: out.fileName, bytes: out.type === 'chunk' ? out.code : out.source });
      }
      console.log(formatTotals(bundleTotals(files)));
    },
  };
}
