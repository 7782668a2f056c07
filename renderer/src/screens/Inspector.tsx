/**
 * Inspector: open evidence with its endorsements, see the verdict, every check, the decoded fields
 * linked to their bytes (one report at a time when the evidence holds several: NVIDIA devices,
 * composite CPU + GPU evidence), the NVIDIA measurement comparison, the certificate chain; change the
 * reference time or policy; export.
 */
import { useEffect, useMemo, useState } from 'react';
import { Button, Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import type { Inspection, Shell } from '../api';
import type { NamedFile } from '../../../electron/ipc/contract';
import { AppraisalSettings } from '../components/AppraisalSettings';
import { ChainView } from '../components/ChainView';
import { ChecksTable } from '../components/ChecksTable';
import { Choice } from '../components/Choice';
import { MeasurementsTable } from '../components/MeasurementsTable';
import { ErrorNote } from '../components/ErrorNote';
import { EvidencePicker } from '../components/EvidencePicker';
import { FieldsTable } from '../components/FieldsTable';
import { HexView } from '../components/HexView';
import { fieldMarks } from '../lib/fields';
import { VerdictBanner } from '../components/VerdictBanner';
import { SummaryCards } from '../components/SummaryCards';
import { saveText } from '../lib/files';
import { runEar, runInspect } from '../lib/inspect';
import { PathField } from '../components/PathField';
import { appraisalHtml, appraisalJson, exportName, recordOf } from '../lib/report';
import { defaultSettings, parseSettings, presetName, type Settings } from '../lib/settings';
import { appVersion, call } from '../api';

/** The folded input panel: what is loaded and the settings in force, and a button to change them. */
function InputsLine({ files, anchors, settings, onOpen }: { files: NamedFile[]; anchors: NamedFile[]; settings: Settings; onOpen(): void }) {
  const policy = presetName(settings.policyText) ?? 'custom policy';
  const testAnchors = anchors.length > 0 ? ` · TEST ${anchors.length === 1 ? 'anchor' : 'anchors'} ${anchors.map((f) => f.name).join(', ')}` : '';
  return (
    <section className="inputs-line" aria-label="Inputs">
      <span className="inputs-text">
        {files.map((f) => f.name).join(', ')}
        {testAnchors} · as of <code>{settings.referenceTime}</code> · {policy}
        {settings.nonce ? ' · expected GPU nonce set' : ''}
        {settings.vtpmNonce ? ' · expected vTPM nonce set' : ''}
      </span>
      <Button className="button" onPress={onOpen} aria-expanded={false}>
        Change inputs and settings
      </Button>
    </section>
  );
}

const base = (name: string) => name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');

export function Inspector({ shell }: { shell?: Shell } = {}) {
  const [earKey, setEarKey] = useState('');
  const [files, setFiles] = useState<NamedFile[]>([]);
  const [anchors, setAnchors] = useState<NamedFile[]>([]);
  const [settings, setSettings] = useState<Settings>(defaultSettings);
  const [result, setResult] = useState<Inspection | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [viewId, setViewId] = useState<string | null>(null);
  const [deviceKey, setDeviceKey] = useState<string | null>(null);
  const [tab, setTab] = useState<string>('checks');
  const [jump, setJump] = useState<{ id: string; seq: number } | null>(null);
  const [busy, setBusy] = useState(false);
  // Once files are loaded the inputs fold to one line, so the verdict and checks own the window.
  const [inputsOpen, setInputsOpen] = useState(true);

  useEffect(() => {
    if (files.length === 0) {
      setResult(null);
      setError(null);
      return;
    }
    let live = true;
    setBusy(true);
    void runInspect(files, anchors, settings).then((r) => {
      if (!live) return;
      setBusy(false);
      if (typeof r === 'string') {
        setError(r);
        setResult(null);
        setInputsOpen(true); // the inputs are what needs changing
      } else {
        setError(null);
        setResult(r);
      }
    });
    return () => {
      live = false;
    };
  }, [files, anchors, settings]);

  const a = result?.appraisal;
  /** The inputs of the shown appraisal with their hashes, its policy and the version, for exports. */
  const record = async () => {
    const parsed = parseSettings(settings);
    const roles = new Map((result?.files ?? []).map((f) => [f.name, f.role === 'evidence' ? 'evidence' : `${f.kind} (${f.role})`]));
    const { coreBuild } = await call('app:info', {});
    return recordOf(result!.evidence.name, files, roles, anchors, typeof parsed === 'string' ? null : parsed.policy, `${appVersion()} (core ${coreBuild})`);
  };
  const views = result?.views ?? [];
  const view = views.find((v) => v.id === viewId) ?? views[0];
  const marks = useMemo(() => fieldMarks(result?.appraisal.checks ?? [], view?.checkPrefix ?? ''), [result, view]);
  // The Fields and bytes panel is prepared ahead, once the verdict and the checks have painted (a frame,
  // then a task), and stays mounted while hidden, so opening its tab only shows it. Not a transition:
  // any urgent update (a hover, a click) would throw an unfinished transition render away and start it
  // again. On that tab the current view renders at once; elsewhere, until prepared, the panel says so,
  // never showing the previous evidence's fields.
  const wanted = useMemo(() => (view ? { view, marks } : null), [view, marks]);
  const [prepared, setPrepared] = useState<typeof wanted>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setPrepared(wanted))));
    return () => (cancelAnimationFrame(frame), clearTimeout(timer));
  }, [wanted]);
  const fields = tab === 'fields' || prepared === wanted ? wanted : null;
  const devices = result?.devices ?? [];
  const device = devices.find((d) => d.key === deviceKey) ?? devices[0];
  return (
    <div className="screen">
      {inputsOpen || files.length === 0 ? (
        <div className="columns">
          <EvidencePicker title="Inspect" files={files} anchors={anchors} recognised={result?.files} onChange={(f, t) => (setFiles(f), setAnchors(t), setSelected(null), setViewId(null), setDeviceKey(null), setInputsOpen(f.length === 0))} />
          <AppraisalSettings value={settings} onApply={(s) => (setSettings(s), setInputsOpen(false))} gpu={(result?.devices.length ?? 0) > 0} vtpm={result?.appraisal.checks.some((c) => c.id.startsWith('vtpm.quote.')) ?? false} />
        </div>
      ) : (
        <InputsLine files={files} anchors={anchors} settings={settings} onOpen={() => setInputsOpen(true)} />
      )}
      {busy && (
        <p className="busy" role="status">
          Verifying {files.length === 1 ? files[0]!.name : `${files.length} files`}…
        </p>
      )}
      <ErrorNote error={error} />
      {result && a && (
        <>
          <VerdictBanner appraisal={a} evidenceName={result.evidence.name} onJump={(id) => (setTab('checks'), setJump((j) => ({ id, seq: (j?.seq ?? 0) + 1 })))} />
          <SummaryCards appraisal={a} />
          {result.pairing.map((n) => (
            <p key={n.text} className="pairing-warning" role="note">
              <span className="status verdict-warning">pairing</span> {n.text}
            </p>
          ))}
          <div className="toolbar" role="toolbar" aria-label="Export">
            <Button className="button" onPress={() => void record().then((r) => saveText(exportName(r.evidenceName, a, 'json'), 'application/json', appraisalJson(r, a)))}>
              Export JSON
            </Button>
            <Button className="button" onPress={() => void record().then((r) => saveText(exportName(r.evidenceName, a, 'html'), 'text/html', appraisalHtml(r, a, new Date(), devices)))}>
              Export printable report
            </Button>
            <Button
              className="button"
              onPress={() =>
                void runEar(files, anchors, settings, earKey).then((r) =>
                  typeof r === 'string' ? setError(r) : saveText(`${base(result.evidence.name)}-ear.${r.signed ? 'jwt' : 'json'}`, r.signed ? 'application/jwt' : 'application/json', r.text),
                )
              }
            >
              Export EAR
            </Button>
          </div>
          <PathField
            label="EAR signing key (optional)"
            value={earKey}
            onChange={setEarKey}
            kind="open"
            shell={shell ?? 'loopback'}
            description="A private EC JWK (P-256 → ES256, P-384 → ES384) on this machine; the console process reads it and signs, the page never sees it. Empty: unsigned EAR JSON."
            placeholder="/path/to/ear-key.jwk"
            onError={setError}
          />
          <Tabs className="tabs" selectedKey={tab} onSelectionChange={(k) => setTab(String(k))}>
            <TabList aria-label="Appraisal views" className="tablist">
              <Tab id="checks" className="tab">Checks</Tab>
              <Tab id="fields" className="tab">Fields and bytes</Tab>
              {devices.length > 0 && <Tab id="measurements" className="tab">GPU measurements</Tab>}
              <Tab id="chain" className="tab">Certificate chain</Tab>
            </TabList>
            <TabPanel id="checks">
              <ChecksTable checks={a.checks} focus={jump} />
            </TabPanel>
            <TabPanel id="fields" className="tab-panel" shouldForceMount>
              {views.length > 1 && view && (
                <Choice label="Report" value={view.label} options={views.map((v) => v.label)} onChange={(label) => (setViewId(views.find((v) => v.label === label)?.id ?? null), setSelected(null))} />
              )}
              {view?.note && (
                <p className="error" role="note">
                  {view.note}
                </p>
              )}
              {view && !fields && (
                <p className="busy" role="status">
                  Decoding the fields of {view.label}…
                </p>
              )}
              {fields && (
                <div className="fields-panel">
                  <FieldsTable layout={fields.view.layout} bytes={fields.view.bytes} marks={fields.marks} selected={selected} onSelect={setSelected} />
                  <HexView bytes={fields.view.bytes} layout={fields.view.layout} marks={fields.marks} selected={selected} onSelect={setSelected} />
                </div>
              )}
            </TabPanel>
            {devices.length > 0 && device && (
              <TabPanel id="measurements">
                {devices.length > 1 && <Choice label="Device" value={device.key} options={devices.map((d) => d.key)} onChange={setDeviceKey} />}
                <MeasurementsTable device={device} />
              </TabPanel>
            )}
            <TabPanel id="chain">
              <ChainView appraisal={a} certificates={result.certificates} />
            </TabPanel>
          </Tabs>
        </>
      )}
    </div>
  );
}
