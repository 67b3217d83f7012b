// A node:test reporter that writes one JSON line per skipped or todo test: {file, name, reason}.
// scripts/test.sh runs it beside the spec reporter; at the end it lists what was skipped and why,
// and under CI=true any skip fails the run (CI must prove everything, never skip quietly).
import type { TestEvent } from 'node:test/reporters';

interface SkipData {
  name: string;
  file?: string;
  skip?: string | boolean;
  todo?: string | boolean;
}

export default async function* skipReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data as SkipData;
    const flag = data.skip ?? data.todo;
    if (flag === undefined || flag === false) continue;
    const kind = data.skip !== undefined && data.skip !== false ? 'skip' : 'todo';
    const reason = typeof flag === 'string' && flag.length > 0 ? flag : '(no reason given)';
    yield `${JSON.stringify({ kind, file: data.file ?? '?', name: data.name, reason })}\n`;
  }
}
