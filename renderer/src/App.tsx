/**
 * The console: trust/offline status bar always on top, then the screens: Inspect, Compare, Batch, and
 * the vault room (Vault, Ceremony, Audit), which share the open vault and a revision counter bumped
 * after every change so each reloads what it shows.
 */
import { useEffect, useState } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { call, type AppInfo } from './api';
import { ErrorNote } from './components/ErrorNote';
import { StatusBar } from './components/StatusBar';
import type { VaultSummary } from './lib/vault';
import { Audit } from './screens/Audit';
import { Batch } from './screens/Batch';
import { Ceremony } from './screens/Ceremony';
import { Compare } from './screens/Compare';
import { Inspector } from './screens/Inspector';
import { Vault } from './screens/Vault';

const prefersDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;

/**
 * The theme chosen last on this origin (Electron's app origin; the loopback console's 127.0.0.1 port),
 * else the system's. Storage can be unavailable (a sandboxed profile): then the system's, unsaved.
 */
const THEME_KEY = 'custodian.theme';
function initialDark(): boolean {
  try {
    const saved = window.localStorage.getItem(THEME_KEY);
    if (saved === 'dark' || saved === 'light') return saved === 'dark';
  } catch {
    // no storage: fall back to the system preference
  }
  return prefersDark();
}
function saveTheme(dark: boolean): void {
  try {
    window.localStorage.setItem(THEME_KEY, dark ? 'dark' : 'light');
  } catch {
    // no storage: the choice lasts for this page only
  }
}

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dark, setDark] = useState(initialDark);
  const [vault, setVault] = useState<VaultSummary | null>(null);
  const [revision, setRevision] = useState(0);
  const changed = () => setRevision((n) => n + 1);

  useEffect(() => {
    call('app:info', {}).then(setInfo, (e: Error) => setError(e.message));
    call('vault:status', {}).then((r) => setVault(r.vault), (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);

  // The loopback console opened without its #token: nothing can work, so say only what to do.
  if (error && /access token/.test(error)) {
    return (
      <main className="app">
        <h1>Custodian console</h1>
        <p role="alert" data-testid="no-token">
          Open the full URL printed in the terminal: this page was opened without its access token (the part of the URL after <code>#token=</code>), or with one from an earlier start of the console.
        </p>
      </main>
    );
  }

  return (
    <>
      <StatusBar info={info} dark={dark} onDark={(d) => (setDark(d), saveTheme(d))} />
      <main className="app">
        <ErrorNote error={error} />
        <Tabs className="tabs">
          <TabList aria-label="Screens" className="tablist main-tabs">
            <Tab id="inspect" className="tab">Inspect</Tab>
            <Tab id="compare" className="tab">Compare</Tab>
            <Tab id="batch" className="tab">Batch</Tab>
            <Tab id="vault" className="tab">Vault</Tab>
            <Tab id="ceremony" className="tab">Ceremony</Tab>
            <Tab id="audit" className="tab">Audit</Tab>
          </TabList>
          <TabPanel id="inspect" className="panel" shouldForceMount>
            <Inspector shell={info?.shell} />
          </TabPanel>
          <TabPanel id="compare" className="panel" shouldForceMount>
            <Compare />
          </TabPanel>
          <TabPanel id="batch" className="panel" shouldForceMount>
            <Batch shell={info?.shell} />
          </TabPanel>
          <TabPanel id="vault" className="panel" shouldForceMount>
            <Vault shell={info?.shell} vault={vault} onVault={setVault} revision={revision} onChanged={changed} />
          </TabPanel>
          <TabPanel id="ceremony" className="panel" shouldForceMount>
            <Ceremony shell={info?.shell} vault={vault} revision={revision} onChanged={changed} />
          </TabPanel>
          <TabPanel id="audit" className="panel" shouldForceMount>
            <Audit shell={info?.shell} vault={vault} revision={revision} onChanged={changed} />
          </TabPanel>
        </Tabs>
      </main>
    </>
  );
}
