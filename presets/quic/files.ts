/**
 * File transfer over streams: `sendFile()` sends one file per stream and waits for the receiver's
 * SHA-256 of what it stored; `receiveFiles()` stores each incoming file stream in a directory
 * (never overwriting: `name (1).ext` when `name.ext` exists) and answers with that hash. One
 * stream carries, client to server: u16 name length, the UTF-8 name, u64 size, the bytes, FIN;
 * server to client: the 32-byte SHA-256, FIN.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Session, ThingNode } from "../../mod.ts";
import {
  type BidirectionalStream,
  type StreamSession,
  streamSession,
} from "../../plugins/streams/mod.ts";
import { StreamReader } from "./stream_reader.ts";

/** Progress of one file. */
export interface FileProgress {
  /** The file's name. */
  name: string;
  /** Bytes sent or received so far. */
  bytes: number;
  /** The file's size. */
  total: number;
}

/** The outcome of one file transfer. */
export interface FileResult {
  /** The file's name as sent. */
  name: string;
  /** Bytes transferred. */
  size: number;
  /** SHA-256 (hex) computed by this side. */
  sha256: string;
  /** Sender: the receiver's SHA-256 (hex). Receiver: where the file was stored. */
  peer: string;
}

const CHUNK = 256 * 1024;
const encoder = new TextEncoder();

/**
 * Sends the file at `path` on a new stream of `streams` and resolves once the receiver confirmed
 * its hash (compare `sha256` with `peer`).
 */
export async function sendFile(
  streams: StreamSession,
  path: string,
  options: { name?: string; onProgress?: (progress: FileProgress) => void } = {},
): Promise<FileResult> {
  const name = options.name ?? basename(path);
  const nameBytes = encoder.encode(name);
  if (nameBytes.length === 0 || nameBytes.length > 1024) {
    throw new RangeError(`Cannot send a file named '${name}': use 1 to 1,024 bytes of UTF-8`);
  }
  const file = await open(path, "r");
  try {
    const total = (await file.stat()).size;
    const stream = await streams.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    const header = new Uint8Array(2 + nameBytes.length + 8);
    const view = new DataView(header.buffer);
    view.setUint16(0, nameBytes.length);
    header.set(nameBytes, 2);
    view.setBigUint64(2 + nameBytes.length, BigInt(total));
    await writer.write(header);
    const hash = createHash("sha256");
    let sent = 0;
    while (sent < total) {
      const chunk = new Uint8Array(Math.min(CHUNK, total - sent));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, sent);
      if (bytesRead === 0) throw new RangeError(`Cannot read '${path}': it shrank while sending`);
      const part = chunk.subarray(0, bytesRead);
      hash.update(part);
      await writer.write(part);
      sent += bytesRead;
      options.onProgress?.({ name, bytes: sent, total });
    }
    await writer.close();
    const reply = new StreamReader(stream.readable);
    const peer = toHex(await reply.exactly(32));
    return { name, size: total, sha256: hash.digest("hex"), peer };
  } finally {
    await file.close();
  }
}

/** Options of `receiveFiles()`. */
export interface ReceiveOptions {
  /** Called when a file has been stored and its hash sent back. */
  onFile?: (result: FileResult, session: Session) => void;
  /** Called as bytes arrive. */
  onProgress?: (progress: FileProgress, session: Session) => void;
  /** Called when a file stream fails (bad header, reset, disk error). */
  onError?: (error: Error, session: Session) => void;
}

/** Stores every file stream of every session of `server` under `dir`. Returns a stop function. */
export function receiveFiles(
  server: ThingNode,
  dir: string,
  options: ReceiveOptions = {},
): () => void {
  return server.on("session", ({ session }) => {
    void acceptFiles(streamSession(session), dir, options);
  });
}

/** Stores every file stream of one session under `dir`, until the session ends. */
export async function acceptFiles(
  streams: StreamSession,
  dir: string,
  options: ReceiveOptions = {},
): Promise<void> {
  const session = streams.session;
  for await (const stream of streams.incomingBidirectionalStreams) {
    receiveOne(stream, dir, session, options).then(
      (result) => options.onFile?.(result, session),
      (error: Error) => {
        void stream.writable.abort(error).catch(() => {});
        options.onError?.(error, session);
      },
    );
  }
}

async function receiveOne(
  stream: BidirectionalStream,
  dir: string,
  session: Session,
  options: ReceiveOptions,
): Promise<FileResult> {
  const reader = new StreamReader(stream.readable);
  const nameLength = new DataView((await reader.exactly(2)).slice().buffer).getUint16(0);
  const name = safeName(
    new TextDecoder("utf-8", { fatal: true }).decode(await reader.exactly(nameLength)),
  );
  const total = Number(new DataView((await reader.exactly(8)).slice().buffer).getBigUint64(0));
  const { path, file } = await createUnique(dir, name);
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
      bytes += chunk.length;
      if (bytes > total) {
        throw new RangeError(`Cannot store '${name}': more than the ${total} bytes announced`);
      }
      hash.update(chunk);
      await file.write(chunk);
      options.onProgress?.({ name, bytes, total }, session);
    }
  } finally {
    await file.close();
  }
  if (bytes !== total) {
    throw new RangeError(`Cannot store '${name}': ${bytes} of ${total} bytes arrived`);
  }
  const digest = hash.digest();
  const writer = stream.writable.getWriter();
  await writer.write(new Uint8Array(digest));
  await writer.close();
  return { name, size: bytes, sha256: digest.toString("hex"), peer: path };
}

/** Creates `name` in `dir`, or `name (1)`, `name (2)`, … when it exists: never overwrites. */
async function createUnique(
  dir: string,
  name: string,
): Promise<{ path: string; file: FileHandle }> {
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 0;; n++) {
    const path = join(dir, n === 0 ? name : `${stem} (${n})${ext}`);
    try {
      return { path, file: await open(path, "wx") };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST" || n >= 999) throw error;
    }
  }
}

/** The file name to store under: its last path component, never empty, `.` or `..`. */
export function safeName(name: string): string {
  const base = basename(name.replaceAll("\\", "/"));
  if (base === "" || base === "." || base === ".." || base.includes("\0")) {
    throw new RangeError(`Cannot store a file named '${name}': send a plain file name`);
  }
  return base;
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
