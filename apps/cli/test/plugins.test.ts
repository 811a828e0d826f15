import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tcpPacket } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/writer.js';
import { replay } from '../src/index.js';
import { run } from './support/run.js';

const FIXTURES = fileURLToPath(new URL('../../../tooling/conformance/fixtures/', import.meta.url));
const TFTP_READ = join(FIXTURES, 'tftp-read', 'capture.pcap');
const TFTP_ARGS = ['--local', '198.18.0.2', '--sysctl', 'nf_conntrack_udp_timeout=5'];
const dir = mkdtempSync(join(tmpdir(), 'ctrack-plugins-'));
const T = 1_795_250_780_000_000;

/** Three forwarded SYNs (198.18.0.1:1..3 -> 198.18.0.2:80). */
function threeSyns(): string {
  const w = new PcapWriter({ linktype: 1 });
  for (let i = 1; i <= 3; i++)
    w.add(
      encapsulate(1, tcpPacket('198.18.0.1', '198.18.0.2', { sport: i, dport: 80, flags: 'S', seq: 1 })),
      T + i,
    );
  const p = join(dir, 'syns.pcap');
  writeFileSync(p, w.toBytes());
  return p;
}

describe('--helper with a helper from --module', () => {
  it('--module @ctrack/helper-tftp --helper tftp: the expectation and the RELATED data conn', async () => {
    const r = await run([
      'replay',
      TFTP_READ,
      '--module',
      '@ctrack/helper-tftp',
      '--helper',
      'tftp',
      '--events',
      ...TFTP_ARGS,
    ]);
    expect(r.code).toBe(0);
    // The expectation is made by the helper before the request's conn is confirmed.
    expect(r.lines[0]).toMatch(
      /^ {4}\[NEW\] 300 proto=17 src=198\.18\.0\.2 dst=198\.18\.0\.1 sport=0 dport=40069 .* helper=tftp$/,
    );
    expect(r.lines[1]).toBe(
      '    [NEW] udp      17 5 src=198.18.0.1 dst=198.18.0.2 sport=40069 dport=69 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=69 dport=40069 helper=tftp',
    );
    expect(r.lines.filter((l) => l.includes(' proto=17 '))).toHaveLength(2);
  });

  it('the port and protocol default to the descriptor (69/udp); another port assigns nothing on 69', async () => {
    const explicit = await run([
      'replay',
      TFTP_READ,
      '--module',
      '@ctrack/helper-tftp',
      '--helper',
      'tftp:69/udp',
      '--events',
      ...TFTP_ARGS,
    ]);
    const other = await run([
      'replay',
      TFTP_READ,
      '--module',
      '@ctrack/helper-tftp',
      '--helper',
      'tftp:1069',
      '--events',
      ...TFTP_ARGS,
    ]);
    expect(explicit.lines.filter((l) => l.includes('helper=tftp'))).toHaveLength(3);
    expect(other.code).toBe(0);
    expect(other.lines.some((l) => l.includes('helper='))).toBe(false);
  });

  it('an unknown helper is ENOENT with exit status 2, before any packet', async () => {
    const r = await run(['replay', TFTP_READ, '--helper', 'tftp', '--events']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'ctrack: --helper tftp: ENOENT: no helper "tftp" is registered (registered: none;',
    );
    expect(r.err).toContain('--module');
    expect(r.out).toBe('');
  });
});

describe('errors of modules', () => {
  it("a module's init error is that module's error, exit status 2, never a capture error", async () => {
    const r = await run([
      'replay',
      threeSyns(),
      '--module',
      'test/fixtures/init-throws-module.mjs',
      '--events',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('ctrack: module nf_conntrack_badinit: EINVAL: ports=0 is not a port\n');
    expect(r.out).toBe('');
  });

  it("a hook's error ends the replay as that module's error; the packets before it are printed", async () => {
    const p = threeSyns();
    const r = await run(['replay', p, '--module', 'test/fixtures/hook-throws-module.mjs', '--events']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `ctrack: module nf_conntrack_hookbug: EINVAL: cannot parse this packet (packet 2 at offset ${24 + 16 + 54})\n`,
    );
    expect(r.err).not.toMatch(/cannot read|at offset \d+$/m);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /^ {4}\[NEW\] tcp {6}6 120 SYN_SENT src=198\.18\.0\.1 dst=198\.18\.0\.2 sport=1 /,
    );
  });

  it('a hook error without a code is named by its class', async () => {
    const r = await run([
      'replay',
      threeSyns(),
      '--module',
      'test/fixtures/typeerror-module.mjs',
      '--events',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^ctrack: module nf_conntrack_typo: TypeError: .*field.* \(packet 1 at offset 24\)$/m,
    );
    expect(r.out).toBe('');
  });
});

describe('--module resolution', () => {
  it('a package name is resolved from the current directory first', async () => {
    const project = mkdtempSync(join(tmpdir(), 'ctrack-project-'));
    const pkg = join(project, 'node_modules', 'ctrack-cwd-plugin');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'ctrack-cwd-plugin', version: '1.0.0', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), "export default { name: 'ctrack_cwd_plugin', init() {} };\n");
    const opts = {
      input: threeSyns(),
      modules: ['ctrack-cwd-plugin'],
      progress: false as const,
      stderr: () => {},
    };
    const r = await replay({ ...opts, cwd: project });
    expect(r.exitCode).toBe(0);
    expect(r.kernel.isLoaded('ctrack_cwd_plugin')).toBe(true);
    // An ESM-only package ("exports" with an "import" condition only) is found too.
    const esm = join(project, 'node_modules', 'ctrack-esm-plugin');
    mkdirSync(esm, { recursive: true });
    writeFileSync(
      join(esm, 'package.json'),
      JSON.stringify({ name: 'ctrack-esm-plugin', type: 'module', exports: { '.': { import: './mod.js' } } }),
    );
    writeFileSync(join(esm, 'mod.js'), "export const module = { name: 'ctrack_esm_plugin', init() {} };\n");
    const r2 = await replay({ ...opts, modules: ['ctrack-esm-plugin'], cwd: project });
    expect(r2.kernel.isLoaded('ctrack_esm_plugin')).toBe(true);
    // Elsewhere (and not installed with the CLI) it is not found.
    await expect(replay({ ...opts, cwd: dir })).rejects.toThrow(/--module ctrack-cwd-plugin: cannot load it/);
  });
});
