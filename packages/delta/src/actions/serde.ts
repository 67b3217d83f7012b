// (De)serialisation of a commit file: newline-delimited JSON, one action object per line with a
// single key naming the action. Unknown actions are kept out of the result (readers must ignore
// them); a line that is not JSON makes the whole commit invalid.
import { DeltaError } from '../errors.ts';
import type { Action } from './types.ts';

const KNOWN = new Set(['commitInfo', 'protocol', 'metaData', 'add', 'remove', 'txn', 'domainMetadata', 'cdc']);

export function parseCommit(text: string, version: number): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new DeltaError('DELTA_PROTOCOL', `Delta commit ${version} has an invalid JSON line ${i + 1}`, { cause, context: { version, line: i + 1 } });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DeltaError('DELTA_PROTOCOL', `Delta commit ${version} line ${i + 1} is not an action object`, { context: { version } });
    }
    for (const key of Object.keys(parsed)) {
      if (KNOWN.has(key)) actions.push({ [key]: (parsed as Record<string, unknown>)[key] } as Action);
    }
  }
  return actions;
}

export function serializeCommit(actions: Action[]): string {
  return actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
}
