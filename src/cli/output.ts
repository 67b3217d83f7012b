// Where CLI results go: a writer that respects stdout backpressure (so `shori delta cat` of a big
// table streams instead of buffering) and a usage error type that maps to exit code 2.
import type { Writable } from 'node:stream';

export interface Output {
  write(chunk: string | Uint8Array): Promise<void>;
}

export function streamOutput(stream: Writable): Output {
  return {
    write(chunk) {
      return new Promise((resolve, reject) => {
        const ok = stream.write(chunk, (error) => {
          if (error) reject(error);
        });
        if (ok) resolve();
        else stream.once('drain', resolve);
      });
    },
  };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function usageError(message: string): UsageError {
  return new UsageError(message);
}
