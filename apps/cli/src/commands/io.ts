/** Where a command reads and writes; the real process streams in bin.ts, buffers in tests. */
export interface Io {
  /** Write to stdout; false = the stream's buffer is full (wait with `stdoutDrained`). */
  stdout: (text: string) => unknown;
  stderr: (text: string) => void;
  stdin: AsyncIterable<Uint8Array>;
  /**
   * null when stdout can take more now, else a promise that settles once it can (the
   * reader drained it, or it closed). A replay waits on it between capture chunks, so a
   * slow reader (`| less`, `| slow-consumer`) holds the replay back instead of the
   * output piling up in memory.
   */
  stdoutDrained?: () => Promise<void> | null;
}

/** The process's streams: stdout is a pipe, file or terminal, with Node's buffering. */
export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdin: process.stdin,
    stdoutDrained: () => drained(process.stdout),
  };
}

/** null when `w` takes writes now; else settles on 'drain', 'close' or 'error'. */
export function drained(w: NodeJS.WritableStream & { writableNeedDrain?: boolean }): Promise<void> | null {
  if (w.writableNeedDrain !== true) return null;
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
  });
}
