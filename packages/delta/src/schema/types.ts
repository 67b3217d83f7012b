// Delta table schema as serialised in metaData.schemaString (PROTOCOL.md "Schema Serialization
// Format"): a Spark-style JSON struct. Primitive types are strings; nested types are objects.
export type DeltaPrimitiveType =
  | 'string'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp_ntz'
  | `decimal(${number},${number})`;

export interface DeltaStructType {
  type: 'struct';
  fields: DeltaField[];
}
export interface DeltaArrayType {
  type: 'array';
  elementType: DeltaType;
  containsNull: boolean;
}
export interface DeltaMapType {
  type: 'map';
  keyType: DeltaType;
  valueType: DeltaType;
  valueContainsNull: boolean;
}
export type DeltaType = DeltaPrimitiveType | DeltaStructType | DeltaArrayType | DeltaMapType;

export interface DeltaField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata?: Record<string, unknown>;
}
export interface DeltaSchema {
  type: 'struct';
  fields: DeltaField[];
}
