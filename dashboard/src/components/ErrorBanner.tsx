// The pipeline error banner: stays until the service says the condition cleared.
import type { ActiveError } from '../lib/error-banner.ts';
import { formatAge } from '../lib/format.ts';

export function ErrorBanner({ error, now }: { error: ActiveError | null; now: number }) {
  if (!error) return null;
  return (
    <div className={error.fatal ? 'banner fatal' : 'banner'} data-testid="error-banner" data-fatal={error.fatal} role="alert">
      <strong>{error.fatal ? 'Lakehouse stopped' : 'Pipeline error'}</strong>
      {error.code ? <code className="code">{error.code}</code> : null}
      <span className="banner-msg">{error.message}</span>
      <span className="muted small-text">
        since {formatAge(error.since, now)}
        {error.count > 1 ? ` · ${error.count} reports` : ''}
        {error.fatal
          ? ' · the lakehouse worker has stopped (live counters still run). Fix the cause, then restart it: POST /api/lakehouse/restart, or restart the service.'
          : ''}
      </span>
    </div>
  );
}
