// Small helpers of the Kafka subscription: timing, error shapes, and a close that cannot hang.
import type { Consumer } from '@platformatic/kafka';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled within `ms`. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Leaves the group and closes the connections; a broker that is gone must not hang the caller. */
export async function closeConsumer(consumer: Consumer): Promise<void> {
  const graceful = consumer.close().then(
    () => true,
    () => false,
  );
  const done = await Promise.race([graceful, sleep(10_000).then(() => false)]);
  if (!done) await consumer.close(true).catch(() => undefined);
}
