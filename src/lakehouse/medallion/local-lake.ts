// The default lake of the medallion, Gold and the catalogue: folders under DATA_DIR/datalake, each
// table's storage wrapped by the fault switch when SHORI_FAULT arms one of its points. The service
// passes its own (src/lakehouse/lake: LAKE_URI, a folder or an object store) instead.
import { readdir } from 'node:fs/promises';
import { storageFor } from '../../faults/index.ts';
import { tablePath, type Layer, type LakeTables } from './tables.ts';

export function localLakeTables(dataDir: string): LakeTables {
  return {
    table: (layer: Layer, name: string) => storageFor(tablePath(dataDir, layer, name)),
    tableNames: async (layer: Layer) =>
      (await readdir(tablePath(dataDir, layer, ''), { withFileTypes: true }).catch(() => []))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort(),
  };
}
