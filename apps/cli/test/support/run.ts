import { main } from '../../src/main.js';

export interface Ran {
  code: number;
  out: string;
  err: string;
  lines: string[];
}

/** Run the ctrack command in-process with captured stdout/stderr (and optional stdin chunks). */
export async function run(argv: string[], stdin: Uint8Array[] = []): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdin: (async function* () {
      yield* stdin;
    })(),
  });
  return { code, out, err, lines: out.split('\n').filter((l) => l !== '') };
}
