/**
 * One error class for every registry and loader failure, shaped like Node's own
 * system errors: a string `code` and the numeric Linux `errno`.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EPROTOTYPE: 91,
  ENOBUFS: 105,
} as const;

export type ErrnoCode = keyof typeof ERRNO;

export class CtError extends Error {
  readonly code: ErrnoCode;
  readonly errno: number;

  constructor(code: ErrnoCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CtError';
    this.code = code;
    this.errno = ERRNO[code];
  }
}

export function isCtError(e: unknown, code?: ErrnoCode): e is CtError {
  return e instanceof CtError && (code === undefined || e.code === code);
}
