import { type FileHandle, open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureError } from './errors.js';
import { CaptureReader } from './reader.js';
import type { RecordSink } from './record.js';

/** Where a capture comes from: a path, "-" for stdin, or any stream of byte chunks. */
export type CaptureInput = string | AsyncIterable<Uint8Array> | Readable;

export interface ReadOptions {
  /** Name used in error messages (default: the path, or "stdin"). */
  name?: string;
  /** Stream used for "-" (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  /** Called after each chunk with the bytes read so far (progress). */
  onChunk?: (bytesRead: number) => void;
}

/** Size of a file input in bytes, or null for a stream or stdin. */
export async function inputSize(input: CaptureInput): Promise<number | null> {
  if (typeof input !== 'string' || input === '-') return null;
  try {
    return (await stat(input)).size;
  } catch {
    return null;
  }
}

function nameOf(input: CaptureInput, opts: ReadOptions): string {
  if (opts.name !== undefined) return opts.name;
  if (typeof input === 'string') return input === '-' ? 'stdin' : input;
  return 'stream';
}

/** A missing or unreadable file reported like every other capture error. */
function openError(e: unknown, name: string): CaptureError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message);
  return new CaptureError(`cannot read: ${why}`, 0).withSource(name);
}

/** Bytes per read of a capture file. */
const CHUNK = 1 << 20;

/**
 * The file's bytes in order, CHUNK at a time, in two reused buffers: the next chunk is
 * read (on the thread pool) while the current one is parsed, and the reader consumes a
 * chunk before it asks for the one after (records must not be kept past the sink's
 * return), so a buffer is only refilled once its chunk is done with. createReadStream
 * allocated a fresh buffer per chunk; that counted as external memory and triggered a
 * scavenge every few megabytes.
 */
/** One read into `buf` at `pos`; a failure is raised where it is awaited, never unhandled. */
function readAt(fh: FileHandle, buf: Buffer, pos: number): Promise<{ bytesRead: number }> {
  const p = fh.read(buf, 0, CHUNK, pos);
  p.catch(() => {});
  return p;
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  let pending: Promise<unknown> | null = null;
  try {
    const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let pos = 0;
    let next = readAt(fh, bufs[0]!, pos);
    pending = next;
    for (let i = 0; ; i ^= 1) {
      const { bytesRead } = await next;
      pending = null;
      if (bytesRead === 0) return;
      pos += bytesRead;
      next = readAt(fh, bufs[i ^ 1]!, pos);
      pending = next;
      yield bufs[i]!.subarray(0, bytesRead);
    }
  } finally {
    // A read still in flight (the consumer stopped early) must finish before close.
    if (pending !== null) await pending.catch(() => {});
    await fh.close();
  }
}

/**
 * Read a whole capture, emitting each record to `sink` as it is parsed. Resolves with
 * the reader when the input ended cleanly; rejects with a CaptureError (naming the
 * byte offset) for truncated or corrupt input, after every earlier record was emitted.
 */
export async function readCapture(
  input: CaptureInput,
  sink: RecordSink,
  opts: ReadOptions = {},
): Promise<CaptureReader> {
  const name = nameOf(input, opts);
  const reader = new CaptureReader(sink, name);
  let chunks: AsyncIterable<Uint8Array>;
  if (typeof input === 'string') {
    chunks = input === '-' ? (opts.stdin ?? process.stdin) : fileChunks(input);
  } else {
    chunks = input;
  }
  try {
    for await (const chunk of chunks) {
      reader.push(chunk);
      opts.onChunk?.(reader.bytesRead);
    }
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    if (typeof input === 'string' && (e as NodeJS.ErrnoException).code !== undefined)
      throw openError(e, name);
    throw e;
  }
  reader.end();
  return reader;
}
