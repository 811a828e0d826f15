/**
 * Records what a module's init registered, so the loader can undo exactly that in
 * reverse when init fails (the kernel's `goto err_*` ladder) or at unload.
 */
export class RegistrationLog {
  private current: Array<() => void> | null = null;
  private currentWhat: string[] | null = null;

  /** Called by every registry after a successful register, with what was registered. */
  record(undo: () => void, what = ''): void {
    this.current?.push(undo);
    this.currentWhat?.push(what);
  }

  /** True while a `collect` runs (a module's init, initNet or exit is registering). */
  get collecting(): boolean {
    return this.current !== null;
  }

  /** Descriptions recorded by the last `collect` (for `ctrack modules`). */
  lastWhat: string[] = [];

  /** Run `fn` collecting the undo steps of what it registers. */
  collect(fn: () => void): Array<() => void> {
    const outer = this.current;
    const outerWhat = this.currentWhat;
    const steps: Array<() => void> = [];
    const what: string[] = [];
    this.current = steps;
    this.currentWhat = what;
    try {
      fn();
    } catch (e) {
      this.current = outer;
      this.currentWhat = outerWhat;
      unwind(steps);
      throw e;
    }
    this.current = outer;
    this.currentWhat = outerWhat;
    this.lastWhat = what;
    return steps;
  }
}

/** Undo in reverse order; an undo that throws does not stop the others. */
export function unwind(steps: Array<() => void>): void {
  for (let i = steps.length - 1; i >= 0; i--) {
    try {
      steps[i]!();
    } catch {
      // Unwinding must not fail half way: the remaining steps still run.
    }
  }
  steps.length = 0;
}
