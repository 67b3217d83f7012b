// Cycles the theme: system -> light -> dark -> system.
import type { ThemePreference } from '../hooks/useTheme.ts';

const NEXT: Record<ThemePreference, string> = { system: 'light', light: 'dark', dark: 'system' };
const ICON: Record<ThemePreference, string> = { system: '◐', light: '☀', dark: '☾' };

export function ThemeToggle({ preference, onCycle }: { preference: ThemePreference; onCycle: () => void }) {
  return (
    <button
      type="button"
      className="btn ghost"
      onClick={onCycle}
      data-testid="theme-toggle"
      data-preference={preference}
      title={`Theme: ${preference} (click for ${NEXT[preference]})`}
    >
      <span aria-hidden="true">{ICON[preference]}</span> {preference}
    </button>
  );
}
