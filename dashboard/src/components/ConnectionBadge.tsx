// The stream's connection state, always visible in the header.
import type { ConnectionState } from '../lib/connection.ts';
import { formatDuration } from '../lib/format.ts';

const LABEL = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…' } as const;

export function ConnectionBadge({ conn, now }: { conn: ConnectionState; now: number }) {
  const detail = conn.status === 'reconnecting' ? ` · ${formatDuration(Math.max(0, now - conn.since))}` : '';
  return (
    <span className={`badge conn-${conn.status}`} data-testid="connection-state" data-state={conn.status} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {LABEL[conn.status]}
      {detail}
    </span>
  );
}
