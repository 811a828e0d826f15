import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { errnoText } from './errno.js';
import { CaptureError } from './errors.js';
import { CaptureReader } from './reader.js';
import type { RecordSink } from './record.js';

/**
 * A capture file opened for reading. A regular file is read with positioned reads; a
 * FIFO, `<(...)`, `/dev/stdin` on a pipe or a terminal cannot seek (pread fails with
 * ESPIPE), so those are read in order from where they stand, as tcpdump reads them.
 */
export class CaptureFile {
  constructor(
    readonly path: string,
    readonly fh: FileHandle,
    /** A regular file: positioned reads, and its size is known. */
    readonly seekable: boolean,
    /** Bytes, or null when not a regular file. */
    readonly size: number | null,
  ) {}
}

/**
 * Names of standard input. "/dev/stdin" is read as the process's stdin stream rather
 * than opened: when stdin is a socket (a parent process's pipe on Linux) it cannot be
 * opened by that name at all.
 */
const STDIN_NAMES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export function isStdinName(input: CaptureInput): input is string {
  return typeof input === 'string' && STDIN_NAMES.has(input);
}

/** Where a capture comes from: a path, "-" for stdin, an opened file, or any stream of byte chunks. */
export type CaptureInput = string | CaptureFile | AsyncIterable<Uint8Array> | Readable;

/** A file that cannot be opened (or is a directory): the path and the reason in words. */
export class CaptureOpenError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot open ${path}: ${reason}`);
    this.name = 'CaptureOpenError';
  }
}

/**
 * Open a capture file and find out what it is. Opening a FIFO waits for its writer, as
 * tcpdump -r does. Throws CaptureOpenError ("cannot open x.pcap: no such file or
 * directory") before anything was read.
 */
export async function openCaptureFile(path: string): Promise<CaptureFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new CaptureOpenError(path, errnoText(e));
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureOpenError(path, errnoText({ code: 'EISDIR' }));
    return new CaptureFile(path, fh, st.isFile(), st.isFile() ? st.size : null);
  } catch (e) {
    await fh.close();
    if (e instanceof CaptureOpenError) throw e;
    throw new CaptureOpenError(path, errnoText(e));
  }
}

export interface ReadOptions {
  /** Name used in error messages (default: the path, or "stdin"). */
  name?: string;
  /** Stream used for "-" (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  /**
   * Called after each chunk with the bytes read so far (progress); a returned promise
   * is awaited before the next chunk is read (backpressure from the output).
   */
  onChunk?: (bytesRead: number) => unknown;
}

/** Size of a file input in bytes, or null for a stream, stdin or a FIFO. */
export function inputSize(input: CaptureInput): number | null {
  return input instanceof CaptureFile ? input.size : null;
}

function nameOf(input: CaptureInput, opts: ReadOptions): string {
  if (opts.name !== undefined) return opts.name;
  if (typeof input === 'string') return input === '-' ? 'stdin' : input;
  if (input instanceof CaptureFile) return input.path;
  return 'stream';
}

/** A read that failed part way (EIO, ...): at the offset reached, in words. */
function readError(e: unknown, name: string, offset: number): CaptureError {
  return new CaptureError(`cannot read: ${errnoText(e)}`, offset).withSource(name);
}

/** Bytes per read of a capture file. */
const CHUNK = 1 << 20;
/** Bytes parsed between two onChunk calls. */
const SLICE = 1 << 18;

/**
 * The file's bytes in order, CHUNK at a time, in two reused buffers: the next chunk is
 * read (on the thread pool) while the current one is parsed, and the reader consumes a
 * chunk before it asks for the one after (records must not be kept past the sink's
 * return), so a buffer is only refilled once its chunk is done with. createReadStream
 * allocated a fresh buffer per chunk; that counted as external memory and triggered a
 * scavenge every few megabytes.
 */
/**
 * One read into `buf` at `pos` (null: wherever a FIFO stands); a failure is raised where
 * it is awaited, never unhandled.
 */
function readAt(fh: FileHandle, buf: Buffer, pos: number | null): Promise<{ bytesRead: number }> {
  const p = fh.read(buf, 0, CHUNK, pos);
  p.catch(() => {});
  return p;
}

async function* fileChunks(file: CaptureFile): AsyncGenerator<Uint8Array> {
  const fh = file.fh;
  let pending: Promise<unknown> | null = null;
  try {
    const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let pos = 0;
    const at = () => (file.seekable ? pos : null);
    let next = readAt(fh, bufs[0]!, at());
    pending = next;
    for (let i = 0; ; i ^= 1) {
      const { bytesRead } = await next;
      pending = null;
      if (bytesRead === 0) return;
      pos += bytesRead;
      next = readAt(fh, bufs[i ^ 1]!, at());
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
  if (input instanceof CaptureFile) chunks = fileChunks(input);
  else if (typeof input === 'string')
    chunks = isStdinName(input) ? (opts.stdin ?? process.stdin) : fileChunks(await openCaptureFile(input));
  else chunks = input;
  try {
    for await (const chunk of chunks) {
      // In slices, so a consumer that applies backpressure in onChunk holds back at most
      // one slice's worth of work (a 1 MiB file chunk of small packets prints megabytes).
      for (let o = 0; o < chunk.length; o += SLICE) {
        reader.push(o === 0 && chunk.length <= SLICE ? chunk : chunk.subarray(o, o + SLICE));
        const wait = opts.onChunk?.(reader.bytesRead);
        if (wait instanceof Promise) await wait;
      }
    }
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    // Only the file system's own errors (they name a syscall) are read errors; what the
    // sink threw (a module's hook) goes up as it is.
    if ((e as NodeJS.ErrnoException).syscall !== undefined) throw readError(e, name, reader.bytesRead);
    throw e;
  }
  reader.end();
  return reader;
}
