import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI_BIN_DIR } from './build-cli.js';

export const CLI_BIN = join(CLI_BIN_DIR, 'bin.js');

export interface Spawned {
  code: number | null;
  out: string;
  err: string;
}

/** Run a bash script in which `ctrack` is the built CLI run by this node. */
export function sh(
  script: string,
  opts: { input?: Uint8Array; env?: Record<string, string> } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const fn = 'ctrack() { "$CTRACK_NODE" "$CTRACK_BIN" "$@"; }\n';
    const p = spawn('bash', ['-c', fn + script], {
      env: { ...process.env, CTRACK_NODE: process.execPath, CTRACK_BIN: CLI_BIN, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
    p.stdin.on('error', () => {});
    p.stdin.end(opts.input ?? new Uint8Array(0));
  });
}
