// The one error type of @shori/delta: a stable `code` callers branch on, the `cause`, structured
// `context`, and whether the same operation may succeed if tried again (`canRetry`).
export type DeltaErrorCode =
  /** The log or a data file breaks the Delta protocol, or a request is invalid for this table. */
  | 'DELTA_PROTOCOL'
  /** A table feature (or protocol version) this library does not implement: refused by name. */
  | 'DELTA_UNSUPPORTED'
  /** A concurrent commit made this one invalid (see context.conflict); retry when canRetry. */
  | 'DELTA_CONFLICT'
  /** No Delta table (no `_delta_log` commit or checkpoint) at the location. */
  | 'DELTA_NOT_A_TABLE'
  /** Storage failed (reading, writing, listing); often transient. */
  | 'DELTA_IO';

export interface DeltaErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
  /** The same operation may succeed if tried again (transient I/O, a lost commit race). */
  canRetry?: boolean;
}

export class DeltaError extends Error {
  readonly code: DeltaErrorCode;
  readonly context: Record<string, unknown>;
  readonly canRetry: boolean;

  constructor(code: DeltaErrorCode, message: string, options: DeltaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeltaError';
    this.code = code;
    this.context = options.context ?? {};
    this.canRetry = options.canRetry ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

export function isDeltaError(error: unknown, code?: DeltaErrorCode): error is DeltaError {
  return error instanceof DeltaError && (code === undefined || error.code === code);
}
