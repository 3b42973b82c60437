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

/**
 * A handshake extension a plugin negotiates (docs/PROTOCOL.md §3.13), defined with
 * `api.defineExtension()`. The dialect's session plugin carries it: a client puts `offer()` in its
 * hello; a server that finds the type in a client's offer calls `accept()`; what both sides agreed
 * on is `control.extensions` of the session afterwards.
 */
export interface ExtensionDefinition {
  /** The extension's type number (1..65,535, docs/PROTOCOL.md §3.13's registry). */
  type: number;
  /** Client: the data of the offer (often empty). */
  offer(): Uint8Array;
  /** Server: the data of the answer when it takes the extension, `undefined` to decline. */
  accept(offered: Uint8Array): Uint8Array | undefined;
}

/** The extensions every plugin of an endpoint defined, for the session plugin that negotiates. */
export interface HandshakeExtensions {
  /** Client: the list to offer in a hello. */
  offers(): Extension[];
  /** Server: the entries of `offered` this endpoint takes, with their answers (unknown: ignored). */
  answer(offered: readonly Extension[]): Extension[];
  /** Client: the first entry of `taken` that `offers()` did not list (the handshake must fail). */
  unoffered(taken: readonly Extension[]): Extension | undefined;
}

/** The extension definitions of one endpoint, by type. */
export class ExtensionTable implements HandshakeExtensions {
  readonly #byType = new Map<number, { definition: ExtensionDefinition; owner: string }>();

  /**
   * Adds a definition for the plugin `owner`.
   *
   * @throws {RangeError} for a type outside 1..65,535 or one another plugin defined
   */
  define(definition: ExtensionDefinition, owner: string): void {
    const { type } = definition;
    if (!Number.isInteger(type) || type < 1 || type > 0xffff) {
      throw new RangeError(`Cannot define extension ${type}: use an integer from 1 to 65535`);
    }
    const taken = this.#byType.get(type);
    if (taken) {
      throw new RangeError(
        `Cannot define extension ${type} in plugin "${owner}": plugin "${taken.owner}" defined it`,
      );
    }
    this.#byType.set(type, { definition, owner });
  }

  /** Client: the list to offer, in definition order. */
  offers(): Extension[] {
    return [...this.#byType.values()].map(({ definition }) => ({
      type: definition.type,
      data: definition.offer(),
    }));
  }

  /** Server: the offered entries it takes, with their answers. */
  answer(offered: readonly Extension[]): Extension[] {
    const taken: Extension[] = [];
    for (const entry of offered) {
      const data = this.#byType.get(entry.type)?.definition.accept(entry.data);
      if (data) taken.push({ type: entry.type, data });
    }
    return taken;
  }

  /** Client: the first taken entry of a type this endpoint does not define. */
  unoffered(taken: readonly Extension[]): Extension | undefined {
    return taken.find((entry) => !this.#byType.has(entry.type));
  }
}
