// A titled card in the dashboard grid.
import type { ReactNode } from 'react';

interface Props {
  title: string;
  wide?: boolean;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}

export function Panel({ title, wide, actions, children, testId }: Props) {
  return (
    <section className={wide ? 'panel wide' : 'panel'} data-testid={testId} aria-label={title}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}
