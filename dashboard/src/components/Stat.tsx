// One labelled number.
interface Props {
  label: string;
  value: string;
  testId?: string;
  hint?: string;
  tone?: 'ok' | 'warn' | 'bad';
}

export function Stat({ label, value, testId, hint, tone }: Props) {
  return (
    <div className={tone ? `stat ${tone}` : 'stat'}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}
