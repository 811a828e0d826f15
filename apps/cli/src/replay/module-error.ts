import { fileURLToPath } from 'node:url';
import type { CtModule } from '@ctrack/core';

/** The error's code ("EINVAL") if it has a string one, else its class name ("TypeError"). */
function codeOf(e: unknown): string {
  const err = e as { code?: unknown; name?: unknown } | null;
  if (typeof err?.code === 'string') return err.code;
  return typeof err?.name === 'string' ? err.name : 'Error';
}

/** The message without a leading "CODE: " (CtError puts the code into its message). */
function textOf(e: unknown, code: string): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.startsWith(`${code}: `) ? m.slice(code.length + 2) : m;
}

/**
 * An error a module raised: from its init/initNet (it could not load), or from one
 * of its hooks or callbacks while packets were replayed (`where` then says which
 * packet). Reported as "module nf_conntrack_tftp: EINVAL: message", never as a
 * capture read error.
 */
export class ModuleError extends Error {
  readonly code: string;
  readonly detail: string;

  constructor(
    readonly module: string,
    override readonly cause: unknown,
    readonly where = '',
  ) {
    const code = codeOf(cause);
    const detail = textOf(cause, code);
    super(`module ${module}: ${code}: ${detail}${where}`);
    this.name = 'ModuleError';
    this.code = code;
    this.detail = detail;
  }
}

/**
 * `mod` with its init and initNet errors labelled with its name (a ModuleError).
 * The module object itself is the prototype, so every other field reads through.
 */
export function labelled(mod: CtModule): CtModule {
  const wrap =
    <A extends unknown[]>(fn: (...a: A) => unknown) =>
    (...a: A): unknown => {
      try {
        // Whatever init returns goes back to the loader (it checks for a Promise).
        return fn.apply(mod, a);
      } catch (e) {
        throw e instanceof ModuleError ? e : new ModuleError(mod.name, e);
      }
    };
  const w: { -readonly [K in keyof CtModule]: CtModule[K] } = Object.create(mod);
  w.init = wrap(mod.init);
  if (mod.initNet) w.initNet = wrap(mod.initNet);
  return w;
}

/** Where a loaded module's code lives, to tell from a stack trace whose code threw. */
export interface ModuleOrigin {
  module: string;
  /** Directory (a package root, or the folder of a --module file), ending in "/". */
  dir: string;
}

/** The file paths of a stack trace's frames, innermost first. */
function stackFiles(e: unknown): string[] {
  const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
  const files: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line.trim());
    if (m === null) continue;
    files.push(m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!);
  }
  return files;
}

/**
 * The module whose code threw `e` during a replay: a third-party module with any frame
 * on the stack (a plugin's code wins over the bundled code that called it or that it
 * called), else the bundled module of the innermost frame. null when none matches.
 */
export function moduleOfError(
  e: unknown,
  thirdParty: readonly ModuleOrigin[],
  bundled: readonly ModuleOrigin[],
): string | null {
  if (e instanceof ModuleError) return e.module;
  const files = stackFiles(e);
  for (const o of thirdParty) if (files.some((f) => f.startsWith(o.dir))) return o.module;
  for (const f of files) {
    const o = bundled.find((b) => f.startsWith(b.dir));
    if (o !== undefined) return o.module;
  }
  return null;
}
