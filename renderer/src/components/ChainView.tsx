/**
 * The certificate chain as the appraisal saw it: one card per certificate (root, intermediate,
 * leaf) with its checks (pin, signature, validity at the reference time) and, for the leaf, what the
 * core decoded; for NVIDIA, one device chain and the RIM signing chains per device (composite: the
 * CPU chain first); then revocation; then every certificate supplied, with its validity at the
 * reference time, pin status and decoded extensions (vendor ones for every certificate, not only the leaf).
 */
import { memo } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Appraisal, Inspection } from '../api';
import { ExtensionList } from './ExtensionList';

interface Link {
  title: string;
  /** Check id prefixes that belong to this certificate. */
  prefixes: string[];
  /** Claims describing this certificate, if the core reports them. */
  details?: Record<string, unknown>;
}

/** The CPU chain's cards; `prefix` is `cpu0.` inside composite evidence. */
function cpuLinks(platform: string, c: Record<string, unknown>, anchor: Appraisal['trust_anchor'], prefix = ''): Link[] {
  const p = (ids: string[]) => ids.map((id) => prefix + id);
  if (platform === 'sev-snp') {
    const vek = c.vek as Record<string, unknown> | undefined;
    return [
      { title: `Root (ARK) — ${anchor.kind === 'pinned' ? 'pinned AMD root' : anchor.kind === 'test' ? 'TEST anchor' : 'not anchored'}`, prefixes: p(['chain.ark.']) },
      { title: 'Intermediate (ASK / ASVK)', prefixes: p(['chain.intermediate.']) },
      { title: `Report signing key (${String(c.signing_key ?? 'VEK')})`, prefixes: p(['chain.vek.']), details: vek },
      { title: 'Revocation', prefixes: p(['crl.']) },
    ];
  }
  return [
    { title: `Root — ${anchor.kind === 'pinned' ? 'pinned Intel SGX Root CA' : 'not anchored'}`, prefixes: p(['chain.root.']) },
    { title: 'Intermediate (PCK Platform/Processor CA)', prefixes: p(['chain.intermediate.']) },
    { title: 'PCK certificate', prefixes: p(['chain.pck.', 'pck.']), details: { ...(c.pck_certificate as object | undefined), extensions: c.pck, fmspc: c.fmspc } },
    { title: 'TCB signing', prefixes: p(['tcb_signing.']) },
    { title: 'Revocation', prefixes: p(['crl.']) },
  ];
}

/** Per NVIDIA device: its device chain (with the FWID check) and the signing chains of its RIMs. */
function nvidiaLinks(devices: Record<string, Record<string, unknown>>): Link[] {
  return Object.entries(devices).flatMap(([key, d]) => {
    const p = key.toLowerCase().replace(/-/g, '');
    return [
      { title: `${key} device chain (${String(d.hwmodel ?? '?')}) — NVIDIA Device Identity CA`, prefixes: [`${p}.chain.`, `${p}.fwid`], details: { ueid: d.ueid, hwmodel: d.hwmodel } },
      { title: `${key} RIM signing chains — NVIDIA CoRIM signing Root CA`, prefixes: ['driver', 'vbios', 'bios'].map((r) => `${p}.rim.${r}.chain.`) },
    ];
  });
}

function linksFor(a: Appraisal): Link[] {
  const c = a.claims;
  if (a.platform === 'nvidia') return nvidiaLinks((c.devices ?? {}) as Record<string, Record<string, unknown>>);
  if (a.platform === 'composite') {
    const { cpu0, ...gpus } = (c.submods ?? {}) as Record<string, Record<string, unknown>>;
    return [...cpuLinks(String(cpu0?.platform ?? ''), (cpu0?.claims ?? {}) as Record<string, unknown>, a.trust_anchor, 'cpu0.'), ...nvidiaLinks(gpus)];
  }
  return cpuLinks(a.platform, c, a.trust_anchor);
}

function Details({ details }: { details: Record<string, unknown> }) {
  return (
    <dl className="details">
      {Object.entries(details)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</code>
            </dd>
          </div>
        ))}
    </dl>
  );
}

function Certificates({ certificates, at }: { certificates: Inspection['certificates']; at: string }) {
  return (
    <Table aria-label="Certificates supplied" className="table certs">
      <TableHeader>
        <Column isRowHeader>Source</Column>
        <Column>Subject / issuer</Column>
        <Column>Validity</Column>
        <Column>SPKI SHA-256 and pin</Column>
        <Column>Extensions</Column>
      </TableHeader>
      <TableBody items={certificates.map((c) => ({ ...c, key: `${c.source}:${c.spki_sha256}` }))}>
        {(c) => (
          <Row id={c.key} data-pin={c.pin} data-valid={c.valid_at_reference_time ? 'true' : 'false'}>
            <Cell>
              <code>{c.source}</code>
            </Cell>
            <Cell>
              {c.subject}
              <br />
              <span className="muted">issued by {c.self_issued ? 'itself' : c.issuer}</span>
            </Cell>
            <Cell>
              {c.not_before} .. {c.not_after}
              <br />
              <span className={`status status-${c.valid_at_reference_time ? 'pass' : 'fail'}`}>{c.valid_at_reference_time ? 'VALID' : 'NOT VALID'}</span> at {at}
            </Cell>
            <Cell>
              <code className="value">{c.spki_sha256}</code>
              <br />
              {c.pin === 'pinned' && <span className="badge badge-ok">pinned: {c.pinned_as}</span>}
              {c.pin === 'test anchor' && <span className="badge badge-warn">TEST anchor</span>}
            </Cell>
            <Cell>
              <ExtensionList extensions={c.extensions} />
            </Cell>
          </Row>
        )}
      </TableBody>
    </Table>
  );
}

/** Memoised: react-aria renders a tab panel being left once more before unmounting it (its exit-animation check). */
export const ChainView = memo(function ChainView({ appraisal, certificates }: { appraisal: Appraisal; certificates: Inspection['certificates'] }) {
  return (
    <div className="chain">
      <p>
        Trust anchor: <strong>{appraisal.trust_anchor.name || 'none'}</strong> ({appraisal.trust_anchor.kind}), SPKI SHA-256 <code>{appraisal.trust_anchor.spki_sha256 || '—'}</code>
      </p>
      {linksFor(appraisal).map((link) => {
        const checks = appraisal.checks.filter((c) => link.prefixes.some((p) => c.id.startsWith(p)));
        return (
          <section key={link.title} className="card" aria-label={link.title}>
            <h4>{link.title}</h4>
            <ul className="plain">
              {checks.map((c) => (
                <li key={c.id}>
                  <span className={`status status-${c.status}`}>{c.status.toUpperCase()}</span> <code>{c.id}</code> {c.detail}
                </li>
              ))}
              {checks.length === 0 && <li className="muted">No checks reported.</li>}
            </ul>
            {link.details && <Details details={link.details} />}
          </section>
        );
      })}
      <h4>Certificates supplied</h4>
      <Certificates certificates={certificates} at={appraisal.reference_time} />
    </div>
  );
});
