// A horizontal bar list for small categorical breakdowns (status, priority, source): plain HTML and
// CSS, readable on a phone, no chart library needed.
import { formatInt } from '../lib/format.ts';

interface Props {
  items: Array<{ label: string; count: number; secondary?: string }>;
  testId?: string;
  empty?: string;
}

export function BarList({ items, testId, empty = 'No data yet.' }: Props) {
  if (items.length === 0) return <p className="muted empty">{empty}</p>;
  const max = Math.max(1, ...items.map((i) => i.count));
  return (
    <ul className="bars" data-testid={testId}>
      {items.map((i) => (
        <li key={i.label}>
          <span className="bar-label" title={i.label}>
            {i.label}
          </span>
          <span className="bar-track">
            <span className="bar-fill" style={{ width: `${(i.count / max) * 100}%` }} />
          </span>
          <span className="bar-value">
            {formatInt(i.count)}
            {i.secondary ? <span className="bar-secondary"> {i.secondary}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
