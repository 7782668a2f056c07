/**
 * JSON with bytes, for the loopback transport: a Uint8Array travels as `{"$bytes": "<base64>"}`.
 * Runs in Node and in the browser (no Buffer).
 */

const TAG = '$bytes';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Serialises `value`, encoding every Uint8Array (Buffer included). */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? { [TAG]: toBase64(raw) } : v;
  });
}

/** Parses `text`, turning every `{"$bytes": …}` back into a Uint8Array. Throws on invalid JSON or base64. */
export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === TAG && typeof (v as Record<string, unknown>)[TAG] === 'string') {
        return fromBase64((v as Record<string, string>)[TAG]!);
      }
    }
    return v;
  });
}
