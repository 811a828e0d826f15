import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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
    chunks =
      input === '-' ? (opts.stdin ?? process.stdin) : createReadStream(input, { highWaterMark: 1 << 20 });
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
