// Column mapping ("Column Mapping" in PROTOCOL.md): with `delta.columnMapping.mode` = name, data
// files, partitionValues and stats use each field's `delta.columnMapping.physicalName`; with mode
// id, a data file's columns are found by Parquet field_id = `delta.columnMapping.id` (the names in
// the file may be anything). Readers expose the logical names. This module turns a table column
// into the DuckDB expression that reads it from a file and renames nested fields to logical names.
import type { MetadataAction } from '../actions/types.ts';
import { quoteIdent, quoteLiteral } from '../schema/duckdb-types.ts';
import type { DeltaField, DeltaType } from '../schema/types.ts';

export type ColumnMappingMode = 'none' | 'name' | 'id';

export function columnMappingMode(metadata: MetadataAction): ColumnMappingMode {
  const mode = metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
  return mode === 'name' || mode === 'id' ? mode : 'none';
}

export function physicalName(field: DeltaField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const name = field.metadata?.['delta.columnMapping.physicalName'];
  return typeof name === 'string' && name !== '' ? name : field.name;
}

export function fieldId(field: DeltaField): number | undefined {
  const id = field.metadata?.['delta.columnMapping.id'];
  return typeof id === 'number' ? id : undefined;
}

/** One node of a Parquet file schema (from DuckDB's parquet_schema()). */
export interface ParquetNode {
  name: string;
  fieldId?: number;
  children: ParquetNode[];
}

/** How to find a field's column inside the file at one level of nesting. */
export interface FieldResolver {
  child(field: DeltaField): { name: string; sub: FieldResolver } | undefined;
  element(): FieldResolver;
  key(): FieldResolver;
  value(): FieldResolver;
}

export function nameResolver(mode: ColumnMappingMode): FieldResolver {
  const self: FieldResolver = { child: (field) => ({ name: physicalName(field, mode), sub: self }), element: () => self, key: () => self, value: () => self };
  return self;
}

/** Resolve by field_id inside one file's Parquet schema (`node` is the group holding the fields). */
export function idResolver(node: ParquetNode | undefined): FieldResolver {
  const only = (n: ParquetNode | undefined) => (n && n.children.length === 1 ? n.children[0] : undefined);
  return {
    child: (field) => {
      const id = fieldId(field);
      const hit = node?.children.find((c) => c.fieldId !== undefined && c.fieldId === id);
      return hit ? { name: hit.name, sub: idResolver(hit) } : undefined;
    },
    // LIST: <col> (LIST) -> repeated group `list` -> `element`; legacy 2-level: the repeated child.
    element: () => {
      const repeated = only(node);
      return idResolver(repeated && repeated.children.length === 1 ? repeated.children[0] : repeated);
    },
    key: () => idResolver(node?.children[0]?.children[0]),
    value: () => idResolver(node?.children[0]?.children[1]),
  };
}

function hasStruct(type: DeltaType): boolean {
  if (typeof type === 'string') return false;
  if (type.type === 'struct') return true;
  if (type.type === 'array') return hasStruct(type.elementType);
  return hasStruct(type.keyType) || hasStruct(type.valueType);
}

/**
 * Expression reading `source` (a column or lambda variable of the file) as `type` with logical
 * field names. Nested structs are rebuilt with struct_pack (NULL structs stay NULL); fields the
 * file lacks read as NULL. Types without structs inside need no renaming.
 */
export function logicalExpr(source: string, type: DeltaType, resolver: FieldResolver, depth = 0): string {
  if (!hasStruct(type) || typeof type === 'string') return source;
  if (type.type === 'struct') {
    const fields = type.fields.map((f) => {
      const hit = resolver.child(f);
      const inner = hit ? logicalExpr(`struct_extract(${source}, ${quoteLiteral(hit.name)})`, f.type, hit.sub, depth + 1) : 'NULL';
      return `${quoteIdent(f.name)} := ${inner}`;
    });
    return `CASE WHEN ${source} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
  }
  const v = `__e${depth}`;
  if (type.type === 'array') {
    return `list_transform(${source}, lambda ${v}: ${logicalExpr(v, type.elementType, resolver.element(), depth + 1)})`;
  }
  const key = logicalExpr(`${v}.key`, type.keyType, resolver.key(), depth + 1);
  const value = logicalExpr(`${v}.value`, type.valueType, resolver.value(), depth + 1);
  return `map_from_entries(list_transform(map_entries(${source}), lambda ${v}: struct_pack(key := ${key}, value := ${value})))`;
}

/** Rebuild the tree from parquet_schema() rows (depth-first, with num_children). */
export function parquetTree(rows: Array<{ name: string; field_id: number | null; num_children: number | null }>): ParquetNode {
  let i = 0;
  const build = (): ParquetNode => {
    const row = rows[i++];
    const node: ParquetNode = { name: row.name, ...(row.field_id === null ? {} : { fieldId: Number(row.field_id) }), children: [] };
    for (let c = 0; c < Number(row.num_children ?? 0); c++) node.children.push(build());
    return node;
  };
  return build();
}
