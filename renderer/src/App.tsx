/** The console: trust/offline status bar always on top, then the Inspect, Compare and Batch screens. */
import { useEffect, useState } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { call, type AppInfo } from './api';
import { ErrorNote } from './components/ErrorNote';
import { StatusBar } from './components/StatusBar';
import { Batch } from './screens/Batch';
import { Compare } from './screens/Compare';
import { Inspector } from './screens/Inspector';

const prefersDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dark, setDark] = useState(prefersDark);

  useEffect(() => {
    call('app:info', {}).then(setInfo, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);

  return (
    <>
      <StatusBar info={info} dark={dark} onDark={setDark} />
      <main className="app">
        <ErrorNote error={error} />
        <Tabs className="tabs">
          <TabList aria-label="Screens" className="tablist main-tabs">
            <Tab id="inspect" className="tab">Inspect</Tab>
            <Tab id="compare" className="tab">Compare</Tab>
            <Tab id="batch" className="tab">Batch</Tab>
          </TabList>
          <TabPanel id="inspect" className="panel" shouldForceMount>
            <Inspector />
          </TabPanel>
          <TabPanel id="compare" className="panel" shouldForceMount>
            <Compare />
          </TabPanel>
          <TabPanel id="batch" className="panel" shouldForceMount>
            <Batch shell={info?.shell} />
          </TabPanel>
        </Tabs>
      </main>
    </>
  );
}
