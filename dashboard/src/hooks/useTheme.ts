// Light/dark: follows the system (prefers-color-scheme) until the user picks one; the pick is kept
// in localStorage. The CSS reads <html data-theme="light|dark">; "system" removes the attribute.
import { useCallback, useEffect, useLayoutEffect, useState } from 'react';

export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const KEY = 'shori-theme';
const query = () => window.matchMedia('(prefers-color-scheme: dark)');

function readPreference(): ThemePreference {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function useTheme(): { preference: ThemePreference; theme: Theme; cycle: () => void } {
  const [preference, setPreference] = useState<ThemePreference>(readPreference);
  const [systemDark, setSystemDark] = useState<boolean>(() => query().matches);

  useEffect(() => {
    const mq = query();
    const onChange = () => setSystemDark(mq.matches);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);

  // A layout effect: the attribute must be set before the charts (passive effects) read the colours.
  useLayoutEffect(() => {
    const root = document.documentElement;
    if (preference === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', preference);
    try {
      if (preference === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, preference);
    } catch {
      // storage unavailable (private mode): the choice lasts for this page only
    }
  }, [preference]);

  const cycle = useCallback(() => setPreference((p) => (p === 'system' ? 'light' : p === 'light' ? 'dark' : 'system')), []);
  const theme: Theme = preference === 'system' ? (systemDark ? 'dark' : 'light') : preference;
  return { preference, theme, cycle };
}
