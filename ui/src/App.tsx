import { useEffect, useState } from 'react';
import { Library } from './pages/Library';
import { Settings } from './pages/Settings';
import { VmDetail } from './pages/VmDetail';
import { Wizard } from './pages/wizard/Wizard';
import { applyTheme, loadTheme } from './theme';

function currentRoute(): string {
  return location.hash.replace(/^#/, '') || '/';
}

export function App() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    applyTheme(loadTheme());
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  let page;
  let section = 'library';
  if (route === '/new') {
    page = <Wizard />;
    section = 'new';
  } else if (route.startsWith('/vm/')) {
    const name = decodeURIComponent(route.slice(4));
    page = <VmDetail key={name} name={name} />;
  } else if (route === '/settings') {
    page = <Settings />;
    section = 'settings';
  } else {
    page = <Library />;
  }
  const link = (href: string, id: string, text: string) => (
    <a href={href} aria-current={section === id ? 'page' : undefined}>
      {text}
    </a>
  );
  return (
    <div className="app">
      <header className="top">
        <span className="brand">BridgeVM</span>
        <nav aria-label="Main">
          {link('#/', 'library', 'Library')}
          {link('#/new', 'new', 'New VM')}
          {link('#/settings', 'settings', 'Settings')}
        </nav>
      </header>
      <main>{page}</main>
    </div>
  );
}
