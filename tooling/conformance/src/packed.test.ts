/**
 * A third party's view: pack the CLI, core, the trackers, expect, ecache, defrag and
 * the helpers with `pnpm pack`, install the tarballs with npm into a scratch project
 * outside the workspace (os.tmpdir()), and from there run
 * `npx ctrack replay <capture> --module @ctrack/helper-tftp --helper tftp:69 --events`
 * on the TFTP recordings: every event the kernel printed must come out (compared as
 * the conformance suite compares them). Packing ships dist/: turbo builds every
 * dependency of this package before its tests (`test` dependsOn `^build`).
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compareEvents, compareLines, DEFAULT_RULES } from './compare.js';
import { loadFixture, secondsToUs } from './fixtures.js';
import { type EventLine, parseEventLine, parseEvents, parseTimestampPrefix } from './lines.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What `npm install @ctrack/cli @ctrack/helper-tftp` would bring from the registry. */
const PACKAGES = {
  '@ctrack/cli': 'apps/cli',
  '@ctrack/core': 'packages/core',
  '@ctrack/l3-ipv4': 'packages/l3-ipv4',
  '@ctrack/l4-tcp': 'packages/l4-tcp',
  '@ctrack/l4-udp': 'packages/l4-udp',
  '@ctrack/l4-icmp': 'packages/l4-icmp',
  '@ctrack/expect': 'packages/expect',
  '@ctrack/ecache': 'packages/ecache',
  '@ctrack/defrag': 'packages/defrag',
  '@ctrack/helper-ftp': 'packages/helper-ftp',
  '@ctrack/helper-tftp': 'packages/helper-tftp',
};
const scratch = mkdtempSync(join(tmpdir(), 'ctrack-packed-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** pnpm pack every package (workspace: ranges become versions) into `dir`, in one pnpm run; the tarball paths. */
async function packAll(dir: string): Promise<string[]> {
  const missing = Object.values(PACKAGES).filter((p) => !existsSync(join(ROOT, p, 'dist', 'index.js')));
  if (missing.length > 0) throw new Error(`not built (run pnpm build): ${missing.join(', ')}`);
  // The workspace's own pnpm (a root devDependency; its exports hide the bin file from require).
  const pnpm = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const filters = Object.keys(PACKAGES).flatMap((n) => ['--filter', n]);
  await exec(process.execPath, [pnpm, ...filters, '-r', 'pack', '--pack-destination', dir], { cwd: ROOT });
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(dir, f));
}

/** The replay's stdout → conn events and expectation event lines (before the kernel's listing). */
function split(stdout: string, listedAtUs: number): { events: EventLine[]; expectEvents: string[] } {
  const events: EventLine[] = [];
  const expectEvents: string[] = [];
  for (const l of stdout.split('\n')) {
    if (l === '') continue;
    const e = parseEventLine(l, events.length);
    if (e !== null) events.push(e);
    else {
      const x = parseTimestampPrefix(l);
      if (x.tsUs === null || x.tsUs <= listedAtUs) expectEvents.push(x.rest);
    }
  }
  return { events, expectEvents };
}

describe('the TFTP plugin from packed tarballs', () => {
  it('npx ctrack replay --module @ctrack/helper-tftp --helper tftp:69 prints the kernel events', async () => {
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    const tgz = await packAll(tarballs);
    expect(tgz).toHaveLength(Object.keys(PACKAGES).length);
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'scratch', version: '0.0.0', private: true })}\n`,
    );
    // Third-party dependencies (tsyringe, reflect-metadata) come from the npm registry.
    await exec(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tgz],
      {
        cwd: project,
      },
    );
    // Installed copies, not links into the workspace.
    const installed = realpathSync(join(project, 'node_modules', '@ctrack', 'helper-tftp'));
    expect(installed.startsWith(realpathSync(project))).toBe(true);

    for (const name of ['tftp-read', 'tftp-write']) {
      const f = loadFixture(name);
      const sysctls = Object.entries(f.meta.sysctls ?? {})
        .filter(([k]) => k.startsWith('net.netfilter.'))
        .flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]);
      const args = [
        '--no',
        'ctrack',
        'replay',
        f.pcap,
        '--module',
        '@ctrack/helper-tftp',
        '--helper',
        'tftp:69',
      ];
      const opts = [
        '--events',
        '-o',
        'timestamp,id',
        '--drain',
        ...f.meta.local.flatMap((a) => ['--local', a]),
      ];
      const { stdout } = await exec('npx', [...args, ...opts, ...sysctls], { cwd: project });
      expect(stdout).toContain('helper=tftp');
      const listedAtUs = secondsToUs(f.meta.listed_at);
      const ours = split(stdout, listedAtUs);
      const ev = compareEvents(parseEvents(f.events), ours.events, { ...DEFAULT_RULES, listedAtUs });
      expect(ev.problems, name).toEqual([]);
      expect(ev.matched, name).toBe(f.events.length);
      const exp = compareLines(f.expectEvents, ours.expectEvents, 'expect-events');
      expect(exp.problems, name).toEqual([]);
      expect(exp.matched, name).toBe(2);
    }
  }, 300_000);
});
