// Which topics a Kafka feed subscribes to: an explicit list, or every topic whose name matches a
// pattern (Debezium creates a data topic per table the first time it has a change, so the set grows
// while the service runs; the subscription re-resolves it periodically). Kafka's internal topics
// (`__consumer_offsets`, ...) never match.

export type TopicSelector = string[] | RegExp;

/** The subscribed topics among `existing`, sorted. A listed topic that does not exist yet is left out. */
export function selectTopics(existing: Iterable<string>, selector: TopicSelector): string[] {
  const names = new Set([...existing].filter((t) => !t.startsWith('__')));
  if (Array.isArray(selector)) return [...new Set(selector)].filter((t) => names.has(t)).sort();
  // A fresh, stateless copy: a /g or /y pattern would carry lastIndex from one test() to the next.
  const pattern = new RegExp(selector.source, selector.flags.replace(/[gy]/g, ''));
  return [...names].filter((t) => pattern.test(t)).sort();
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
