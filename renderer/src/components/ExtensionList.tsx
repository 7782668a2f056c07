/** A certificate's decoded extensions (electron/evidence/cert-extensions.ts): vendor ones first. */
import type { Inspection } from '../api';

type Extension = Inspection['certificates'][number]['extensions'][number];

const VENDOR_FIRST: Record<Extension['vendor'], number> = { amd: 0, intel: 0, nvidia: 0, tcg: 0, dmtf: 0, x509: 1, other: 2 };

export function ExtensionList({ extensions }: { extensions: Extension[] }) {
  if (extensions.length === 0) return <span className="muted">none</span>;
  const sorted = [...extensions].sort((a, b) => VENDOR_FIRST[a.vendor] - VENDOR_FIRST[b.vendor]);
  return (
    <dl className="extensions">
      {sorted.map((e, i) => (
        <div key={i} data-vendor={e.vendor} data-oid={e.oid}>
          <dt>
            {e.name}
            {e.critical && <span className="muted"> (critical)</span>}
          </dt>
          <dd>
            <code className="value">{e.value}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}
