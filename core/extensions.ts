/**
 * The extension list both dialects' handshakes carry (Thing's CHI and SHI, Connection's HELLO and
 * ACCEPT): entries of `type` (u16), `length` (u16) and data, ending with the payload or at a zero
 * type. See docs/PROTOCOL.md §3.13. Plugins that define extensions use it; the core reads none.
 *
 * @module
 */

/**
 * An entry of the extension list of a handshake (what the client offers, or what the server took):
 * `type` (u16, 1..65,535), then `data.length` (u16) and `data`. See docs/PROTOCOL.md §3.13.
 */
export interface Extension {
  /** The extension's type number. */
  type: number;
  /** Its data, as that extension defines it (often empty). */
  data: Uint8Array;
}

/**
 * Encodes an extension list: each entry as type (u16), length (u16), data. The list ends with
 * the payload, or at the zero bytes that pad a CHI.
 */
export function encodeExtensions(extensions: readonly Extension[] = []): Uint8Array {
  const out = new Uint8Array(extensions.reduce((sum, e) => sum + 4 + e.data.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { type, data } of extensions) {
    view.setUint16(at, type);
    view.setUint16(at + 2, data.length);
    out.set(data, at + 4);
    at += 4 + data.length;
  }
  return out;
}

/**
 * Decodes the extension list that fills `bytes`. It ends where fewer than two bytes remain or at
 * an entry type of 0 (the rest is padding, ignored).
 *
 * @returns the entries, or `undefined` when an entry runs past the end or a type repeats
 */
export function decodeExtensions(bytes: Uint8Array): Extension[] | undefined {
  const extensions: Extension[] = [];
  let at = 0;
  while (bytes.length - at >= 2) {
    const type = (bytes[at]! << 8) | bytes[at + 1]!;
    if (type === 0) break;
    if (bytes.length - at < 4) return undefined;
    const end = at + 4 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    if (end > bytes.length || extensions.some((e) => e.type === type)) return undefined;
    extensions.push({ type, data: bytes.slice(at + 4, end) });
    at = end;
  }
  return extensions;
}
