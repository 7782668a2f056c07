/**
 * Reads the golden measurements of an NVIDIA RIM for display in the measurement comparison table.
 * A RIM is a TCG PC Client RIM / ISO/IEC 19770-2 SWID tag (NVIDIA "RIM" files, e.g.
 * `NV_GPU_DRIVER_GH100_<version>`); each `Payload/Resource` element carries `index` (RIM index i is
 * SPDM measurement block i + 1), `active` ("True"/"False"), `alternatives` (count) and the golden
 * values `Hash0` … `Hash<alternatives-1>` (hex, namespace-prefixed, e.g. `ns2:Hash0`). NVIDIA's RIM
 * service wraps the XML as `{"id": …, "rim": base64(xml)}`.
 *
 * Display only, and only ever beside the core's appraisal: the core verified this file's XMLDSig and
 * chain and decided match or mismatch (wasm/src/nvidia/rim.rs); this reader just lists what the file
 * says. It never throws: an unreadable file yields no resources.
 */

/** One `Resource` of a RIM payload. */
export interface RimResource {
  /** RIM index (0-based); compared with SPDM block `index + 1`. */
  index: number;
  active: boolean;
  /** Golden values, lowercase hex, `Hash0` first. */
  golden: string[];
}

const RESOURCE = /<(?:[\w.-]+:)?Resource\b([^>]*)>/g;
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The XML text of a RIM file (unwrapping the RIM service's JSON), or null. */
function rimXml(bytes: Uint8Array): string | null {
  const text = new TextDecoder().decode(bytes).replace(/^\ufeff/, '');
  if (!/^\s*\{/.test(text)) return text;
  try {
    const rim = (JSON.parse(text) as { rim?: unknown }).rim;
    return typeof rim === 'string' ? Buffer.from(rim.replace(/\s+/g, ''), 'base64').toString('utf8') : null;
  } catch {
    return null;
  }
}

/** The Resources of the RIM in `bytes`, in document order (comments skipped). */
export function rimResources(bytes: Uint8Array): RimResource[] {
  const xml = rimXml(bytes)?.replace(/<!--[\s\S]*?-->/g, '');
  if (!xml) return [];
  const out: RimResource[] = [];
  for (const [, attrText] of xml.matchAll(RESOURCE)) {
    const attrs = new Map<string, string>();
    for (const [, name, dq, sq] of attrText!.matchAll(ATTRIBUTE)) attrs.set(name!.replace(/^[\w.-]+:/, ''), dq ?? sq ?? '');
    const index = Number(attrs.get('index'));
    if (!Number.isInteger(index) || index < 0) continue;
    const alternatives = Math.max(1, Number(attrs.get('alternatives')) || 1);
    const golden = Array.from({ length: alternatives }, (_, i) => attrs.get(`Hash${i}`)?.toLowerCase()).filter((h): h is string => h !== undefined);
    out.push({ index, active: attrs.get('active')?.toLowerCase() === 'true', golden });
  }
  return out;
}
