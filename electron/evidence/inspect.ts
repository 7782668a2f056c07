/**
 * The inspector's service: recognises the files the user opened, verifies the evidence among them
 * with the others in their request roles (endorsements, RIMs, OCSP responses, more NVIDIA evidence),
 * and returns the appraisal with the evidence's field maps (one view per report, each the core's own
 * reading of the bytes: wasm/src/fields.rs), the NVIDIA measurement comparison and the certificates
 * found.
 *
 * Composite evidence (an SEV-SNP report or a DCAP quote with NVIDIA serialized evidence) is appraised
 * as one: the CPU report's view comes first, then one view per GPU; a bare NVIDIA report beside a CPU
 * report is refused (it carries no device chain to verify it by).
 */
import type { Core } from '../core/core.ts';
import type { Appraisal, Description, EvidenceType, NamedBytes } from '../core/appraisal.ts';
import type { FileKind, NamedFile, Request, Response } from '../ipc/contract.ts';
import { describeCertificates } from './certificates.ts';
import { classify, evidenceBytes } from './classify.ts';
import { nvidiaParts } from './nvidia-evidence.ts';
import { checkPrefix, isSwitch, measurementRows, nvidiaDevices } from './nvidia-view.ts';
import { planAppraisal, requestInputs } from './select.ts';
import { buildEar, earText, parseEarKey } from '../core/ear.ts';
import { readNamed } from '../io/files.ts';
import { checkSlots } from '../io/limits.ts';
import { openEnvelope } from './envelopes.ts';
import { settleAmbiguity } from './settle.ts';
import type { PairingNote } from './pairing.ts';

type Inspection = Response<'evidence:inspect'>;

/** Kinds of binary evidence the core describes field by field (wasm/src/fields.rs). */
const DESCRIBED: readonly FileKind[] = ['sev-snp-report', 'tdx-quote', 'sgx-quote', 'azure-hcl-report', 'nvidia-report'];

/**
 * The core's field map of `bytes` (binary, as the hex view shows them) when they are of a described
 * kind, else an empty map (NVIDIA serialized-evidence JSON is shown per device instead).
 */
export function describeEvidence(core: Core, kind: FileKind, bytes: Uint8Array, name = 'evidence', device?: 'gpu' | 'switch'): { fields: Description['fields']; note: string } {
  if (!DESCRIBED.includes(kind)) return { fields: [], note: '' };
  return core.describe({ name, bytes }, device);
}

/** The core's evidence type for a kind, forcing what the classifier saw. */
export function evidenceType(kind: FileKind): EvidenceType | undefined {
  const types: Partial<Record<FileKind, EvidenceType>> = { 'tdx-quote': 'tdx', 'sgx-quote': 'sgx', 'sev-snp-report': 'sev-snp', 'nvidia-report': 'nvidia', 'nvidia-evidence': 'nvidia' };
  return types[kind];
}

const isNvidia = (k: FileKind) => k === 'nvidia-report' || k === 'nvidia-evidence';

/**
 * One view per NVIDIA device report in `files` (the evidence and more-evidence ones), matched to the
 * core's device by its `source` claim; the device chains of serialized evidence, as files, for the
 * certificate list.
 */
function nvidiaViews(core: Core, files: NamedBytes[], kinds: FileKind[], appraisal: Appraisal) {
  const devices = nvidiaDevices(appraisal);
  const views: Inspection['views'] = [];
  const chains: NamedBytes[] = [];
  files.forEach((file, i) => {
    const { parts, error } = nvidiaParts(file, kinds[i] === 'nvidia-evidence');
    for (const part of parts) {
      const [key, claims] = devices.find(([, d]) => d.source === part.source) ?? [part.source, {}];
      const d = core.describe({ name: part.source, bytes: part.report }, isSwitch(claims) ? 'switch' : 'gpu');
      views.push({ id: key, label: key === part.source ? part.source : `${key} — ${part.source}`, bytes: part.report, layout: d.fields, checkPrefix: `${checkPrefix(key)}.`, note: d.note });
      if (part.chain) chains.push({ name: `${part.source}.certificate`, bytes: part.chain });
    }
    if (error) views.push({ id: error.file, label: error.file, bytes: new Uint8Array(), layout: [], checkPrefix: '', note: `${error.file}: ${error.field}: ${error.message}` });
  });
  return { views, chains };
}

/**
 * Verifies the evidence among `request.files` (see {@link planAppraisal} for how files combine).
 * Throws {@link InputError} naming the files when none is evidence or they cannot form one appraisal,
 * and whatever the core throws for unparsable input.
 */
export function inspect(core: Core, request: Request<'evidence:inspect'> & { files: NamedFile[] }): Inspection {
  const settled = settle(core, request);
  const { files, kinds, slots, evidence, kind, appraisal } = appraiseFiles(core, settled.request);
  const bytes = evidenceBytes(evidence.bytes);
  const described = describeEvidence(core, kind, bytes, evidence.name);
  const layout = described.fields;
  const deviceFiles = files.flatMap((f, i) => (isNvidia(kinds[i]!) && (slots[i] === 'evidence' || slots[i] === 'moreEvidence') ? [i] : []));
  const nv = nvidiaViews(core, deviceFiles.map((i) => files[i]!), deviceFiles.map((i) => kinds[i]!), appraisal);
  // An Azure HCL report given beside a TD quote (its runtime data binds the quote) gets its own view.
  const hclViews = files.flatMap((f, i) => {
    if (kinds[i] !== 'azure-hcl-report' || f === evidence || slots[i] === null) return [];
    const d = core.describe(f);
    return [{ id: `hcl:${f.name}`, label: `${f.name} (HCL report)`, bytes: f.bytes, layout: d.fields, checkPrefix: '', note: d.note }];
  });
  const cpuPrefix = appraisal.platform === 'composite' ? 'cpu0.' : '';
  const views = isNvidia(kind) ? nv.views : [{ id: 'evidence', label: evidence.name, bytes, layout, checkPrefix: cpuPrefix, note: described.note }, ...hclViews, ...nv.views];
  const used = files.filter((_, i) => slots[i] !== null);
  return {
    files: [
      ...files.map((f, i) => ({ name: f.name, kind: kinds[i]!, role: slots[i] === 'evidence' || slots[i] === 'moreEvidence' ? ('evidence' as const) : slots[i] === null ? ('ignored' as const) : ('endorsement' as const) })),
      ...settled.rejected.map((f) => ({ name: f.name, kind: classify(f.bytes), role: 'ignored' as const })),
    ],
    pairing: settled.notes,
    evidence: { name: evidence.name, kind, bytes, layout },
    views,
    devices: nvidiaDevices(appraisal).map(([key, d]) => ({
      key,
      checks: checkPrefix(key),
      source: String(d.source ?? ''),
      hwmodel: String(d.hwmodel ?? ''),
      ueid: String(d.ueid ?? ''),
      status: String(d['ear.status'] ?? ''),
      measres: String(d.measres ?? ''),
      rows: measurementRows(d),
    })),
    appraisal,
    certificates: describeCertificates([...used, ...nv.chains], request.testAnchors, new Date(request.referenceTime), core.pinnedRoots()),
  };
}

/**
 * The Inspector's request with the rivals that lost an ambiguous pairing taken out
 * ({@link settleAmbiguity}), those files, and the warnings naming them. Used by every handler that
 * appraises the Inspector's files, so the exports appraise exactly what the screen shows.
 */
function settle<R extends Parameters<typeof appraiseFiles>[1]>(core: Core, request: R): { request: R; rejected: NamedBytes[]; notes: PairingNote[] } {
  const at = Math.floor(new Date(request.referenceTime).getTime() / 1000);
  const s = settleAmbiguity(core, request.files, at, (files) => appraiseFiles(core, { ...request, files }).appraisal);
  return { request: { ...request, files: s.files }, rejected: s.rejected.map((i) => request.files[i]!), notes: s.notes };
}

/**
 * The core's appraisal of a set of files, as the Inspector and each Batch row give them: envelopes
 * opened, files recognised by content and combined by {@link planAppraisal} (the one place that
 * decides which file is the evidence and what the others endorse), each checked against its slot's
 * size limit. Throws {@link InputError} as {@link planAppraisal}, the limits and the core do.
 */
export function appraiseFiles(core: Core, request: Pick<Request<'evidence:inspect'>, 'files' | 'testAnchors' | 'policy' | 'referenceTime'>) {
  // An envelope (Trustee, Azure vTPM JSON) stands for the raw files inside it.
  const files = request.files.flatMap((f) => {
    const e = openEnvelope(f, core);
    return e ? [e.evidence, ...e.endorsements, ...e.moreEvidence] : [f];
  });
  const kinds = files.map((f) => classify(f.bytes));
  const { primary, slots } = planAppraisal(kinds, files.map((f) => f.name), files.map((f) => f.bytes));
  checkSlots(files, slots);
  const evidence = files[primary]!;
  const kind = kinds[primary]!;
  const inputs = requestInputs(files, slots);
  const appraisal = core.verify({
    evidence,
    ...inputs,
    testAnchors: request.testAnchors,
    policy: request.policy ?? undefined,
    referenceTime: new Date(request.referenceTime),
    type: evidenceType(kind),
  });
  return { files, kinds, slots, evidence, kind, appraisal, moreEvidence: inputs.moreEvidence ?? [] };
}

/**
 * `evidence:ear`: the EAR of the inspector's inputs ({@link buildEar}); signed with the private JWK at
 * `keyPath` (read here, in main) when given. InputError naming the key file for an unusable key.
 */
export async function earOf(core: Core, request: Request<'evidence:ear'>): Promise<{ text: string; signed: boolean }> {
  const { evidence, appraisal, moreEvidence } = appraiseFiles(core, settle(core, request).request);
  const claims = buildEar(appraisal, {
    profile: request.profile,
    policy: request.policy ?? undefined,
    evidence: [{ role: 'evidence', bytes: evidence.bytes }, ...moreEvidence.map((m) => ({ role: 'more-evidence' as const, bytes: m.bytes }))],
  });
  const key = request.keyPath === null ? undefined : parseEarKey(readNamed(request.keyPath, 'JWK').bytes, request.keyPath);
  return { text: await earText(claims, key, request.keyPath ?? undefined), signed: key !== undefined };
}
