import { isDeltaError } from '@shori/delta';

// One error base for the whole service, shaped like platformatic/kafka's: a stable `code` callers
// branch on, the `cause`, structured `context`, and behaviour flags instead of a class hierarchy.
export type ErrorCode =
  | 'SHORI_CONFIG_INVALID'
  | 'SHORI_DECODE_FAILED'
  | 'SHORI_SOURCE_FAILED'
  | 'SHORI_FEED_FAILED'
  | 'SHORI_FEED_GAP'
  | 'SHORI_LAKEHOUSE_FAILED'
  | 'SHORI_BAD_RECORD'
  | 'SHORI_HTTP_BAD_REQUEST'
  | 'SHORI_HTTP_UNAUTHORIZED'
  | 'SHORI_HTTP_CROSS_SITE'
  | 'SHORI_HTTP_NOT_JSON'
  | 'SHORI_HTTP_MISDIRECTED'
  | 'SHORI_HTTP_BUSY'
  | 'SHORI_QUERY_LIMIT'
  | 'SHORI_NOT_FOUND';
// (The Delta library, @shori/delta, has its own: DeltaError with DELTA_* codes; errorCode() reads both.)

export interface ShoriErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
  /** The same operation may succeed if tried again (transient I/O, a lost commit race). */
  canRetry?: boolean;
  /** The pipeline cannot go on without an operator: report it and stop the worker. */
  fatal?: boolean;
}

export class ShoriError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly canRetry: boolean;
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, options: ShoriErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShoriError';
    this.code = code;
    this.context = options.context ?? {};
    this.canRetry = options.canRetry ?? false;
    this.fatal = options.fatal ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

export function isShoriError(error: unknown, code?: ErrorCode): error is ShoriError {
  return error instanceof ShoriError && (code === undefined || error.code === code);
}

/** The stable code of a service or Delta library error (SHORI_* or DELTA_*), null for others. */
export function errorCode(error: unknown): string | null {
  return isShoriError(error) || isDeltaError(error) ? error.code : null;
}

/** A one-line message for logs and SSE, including the cause chain. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': caused by: ');
}
