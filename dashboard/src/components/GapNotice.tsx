// Says honestly what the page missed: while disconnected, how long so far; after a reconnect, how
// long the gap was and that its events were not seen (plus the service's own count when known).
import { useState } from 'react';
import { describeGap, type ConnectionState } from '../lib/connection.ts';
import { formatDuration } from '../lib/format.ts';

export function GapNotice({ conn, now }: { conn: ConnectionState; now: number }) {
  const [dismissedFrom, setDismissedFrom] = useState<number | null>(null);
  const gap = conn.gaps[conn.gaps.length - 1];
  if (!gap || (gap.to !== null && gap.from === dismissedFrom)) return null;
  const open = gap.to === null;
  return (
    <div className={open ? 'notice warn' : 'notice info'} data-testid="gap-notice" data-open={open} role="status">
      <span>{describeGap(gap, now, formatDuration)}</span>
      {conn.gaps.length > 1 ? <span className="muted"> ({conn.gaps.length} gaps since this page opened.)</span> : null}
      {!open ? (
        <button type="button" className="btn ghost small" onClick={() => setDismissedFrom(gap.from)} aria-label="Dismiss">
          ✕
        </button>
      ) : null}
    </div>
  );
}
