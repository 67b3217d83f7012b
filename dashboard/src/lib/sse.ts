// The SSE half of the wire contract: every message is `event: <type>` + `data: <JSON SseEnvelope>`.
// parseEnvelope checks the shape just enough that a malformed message is dropped instead of
// crashing a panel; the event name is authoritative when the JSON lacks a type.
import type { SseEnvelope, SseEventType } from '../../../src/contracts/api.ts';

export const SSE_EVENT_TYPES: readonly SseEventType[] = ['cdc_stats', 'cdc_raw', 'lakehouse_update', 'pipeline_error', 'heartbeat'];

export function parseEnvelope(eventType: string, raw: string): SseEnvelope | null {
  if (!(SSE_EVENT_TYPES as readonly string[]).includes(eventType)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const obj = parsed as Record<string, unknown>;
  const type = typeof obj.type === 'string' ? obj.type : eventType;
  if (type !== eventType) return null;
  const data = obj.data ?? {};
  if (data === null || typeof data !== 'object') return null;
  const ts = typeof obj.ts === 'string' ? obj.ts : new Date().toISOString();
  return { type: eventType as SseEventType, ts, data } as SseEnvelope;
}
