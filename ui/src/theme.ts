export type Theme = 'system' | 'light' | 'dark';

export function loadTheme(): Theme {
  const t = localStorage.getItem('bridgevm-theme');
  return t === 'light' || t === 'dark' ? t : 'system';
}

/** data-theme on <html> overrides the system's colour scheme. */
export function applyTheme(t: Theme): void {
  if (t === 'system') {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem('bridgevm-theme');
  } else {
    document.documentElement.dataset.theme = t;
    localStorage.setItem('bridgevm-theme', t);
  }
}
