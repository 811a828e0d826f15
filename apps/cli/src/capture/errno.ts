/**
 * A system error in words for a message: "no such file or directory", not ENOENT.
 * Node's message starts with the code and the C library's text ("ENOENT: no such file
 * or directory, open 'x'"); the few codes a capture read meets are spelled out here so
 * the words do not depend on that message's shape.
 */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EINVAL: 'invalid argument',
  EAGAIN: 'no data available without blocking',
  ESPIPE: 'the input cannot seek',
  EBADF: 'bad file descriptor',
};

export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (code !== undefined && WORDS[code] !== undefined) return WORDS[code]!;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err?.message ?? '');
  if (m) return m[1]!;
  return err?.message || String(e);
}
