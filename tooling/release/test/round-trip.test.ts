// docs-check: ignore-file (names the per-package changelog file, which is not a citation)
// The release, end to end, against a real npm registry (Verdaccio on a loopback port,
// started and stopped here): `pnpm release` on a copy of the repository publishes every
// public package at its changeset version; scratch projects outside the workspace install
// the CLI and plugins BY VERSION with npm and with pnpm and replay kernel recordings
// through them (their conn events equal the kernel's). Then a core minor (the plugins'
// peer range accepts it, nothing else is republished) and a core major (changesets gives
// every plugin a major; the installed plugins refuse the new core).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Registry, registryVersions, startRegistry } from '../src/registry.js';
import { copyRepository, turboCacheDir } from '../src/repo-copy.js';
import { buildPublicPackages, type RunResult, run, TOOLS_PATH } from '../src/run.js';
import { publicPackages, ROOT } from '../src/workspace.mjs';

const FIXTURES = join(ROOT, 'tooling/conformance/fixtures');
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'ctrack-release-'));
const repo = join(work, 'repo');
const npmProject = join(work, 'scratch-npm');
const pnpmProject = join(work, 'scratch-pnpm');
let registry: Registry;
/** Environment of every command that talks to the registry: a temp userconfig, temp caches. */
let env: NodeJS.ProcessEnv;

const names = publicPackages().map((p) => p.name);
const hasTftp = names.includes('@ctrack/helper-tftp');

/** name -> version, as the copy's manifests say now. */
function copyVersions(): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of publicPackages()) {
    const m = JSON.parse(readFileSync(join(repo, p.relDir, 'package.json'), 'utf8'));
    out.set(m.name, m.version);
  }
  return out;
}

function peerRanges(dir: string, pkg: string): Record<string, string> {
  const m = JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8'));
  return m.peerDependencies ?? {};
}

function installedVersion(dir: string, pkg: string): string {
  return JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** A changeset in the copy, as `pnpm changeset` writes one. */
function addChangeset(id: string, bumps: Record<string, 'major' | 'minor' | 'patch'>, summary: string) {
  const front = Object.entries(bumps).map(([n, b]) => `"${n}": ${b}`);
  writeFileSync(join(repo, '.changeset', `${id}.md`), `---\n${front.join('\n')}\n---\n\n${summary}\n`);
}

/**
 * A recording and the replay options its meta.json implies: the observer's addresses
 * local, its conntrack sysctls (tooling/conformance/src/run.ts derives them the same way).
 */
function fixture(name: string) {
  const dir = join(FIXTURES, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const opts = [
    ...(meta.local as string[]).flatMap((a) => ['--local', a]),
    ...Object.entries(meta.sysctls as Record<string, string>)
      .filter(([k]) => k.startsWith('net.netfilter.'))
      .flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
  ];
  // The kernel's conn events (conntrack -E -o timestamp,id): without the time and the id.
  const kernel = readFileSync(join(dir, 'events.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\[\d+\.\d+\]\t/, '').replace(/ id=\d+$/, ''));
  return { pcap: join(dir, 'capture.pcap'), opts, kernel: inKernelOrder(kernel) };
}

/** The conn events a replay printed (not the expectation events `--events` also prints). */
function connEvents(out: string): string[] {
  return inKernelOrder(out.split('\n').filter((l) => /^\s*\[(NEW|UPDATE|DESTROY)\] (tcp|udp|icmp)/.test(l)));
}

/**
 * Conns whose timers fire in the same jiffy are destroyed in an order neither side
 * promises (the kernel's GC walk, our heap): the trailing DESTROY lines compare sorted.
 */
function inKernelOrder(lines: string[]): string[] {
  let i = lines.length;
  while (i > 0 && lines[i - 1]!.startsWith('[DESTROY]')) i--;
  return [...lines.slice(0, i), ...lines.slice(i).sort()];
}

function log(step: string, t0: number) {
  console.log(`round trip: ${step} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function timed<T>(step: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await f();
  log(step, t0);
  return r;
}

beforeAll(async () => {
  await timed('build (turbo cache)', () => buildPublicPackages(names));
  await timed('copy + pnpm install --offline', async () => {
    await copyRepository(repo);
    await run('pnpm', ['install', '--frozen-lockfile', '--offline', '--reporter=silent'], { cwd: repo });
  });
  registry = await timed('registry up', () => startRegistry(join(work, 'registry')));
  const userconfig = join(work, 'npmrc');
  writeFileSync(userconfig, registry.npmrc);
  env = {
    npm_config_userconfig: userconfig, // never the user's ~/.npmrc
    npm_config_registry: registry.url,
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_store_dir: join(work, 'pnpm-store'),
    npm_config_cache_dir: join(work, 'pnpm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    TURBO_CACHE_DIR: await turboCacheDir(),
    PATH: TOOLS_PATH,
  };
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
  console.log(`round trip: total ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// Publishing is a pack plus an npm process per package: minutes on a loaded 2-core machine.
describe.sequential('release round trip through a local npm registry', { timeout: 600_000 }, () => {
  let v1: Map<string, string>;

  it('pnpm release publishes every public package at its changeset version', async () => {
    v1 = copyVersions();
    const r = await timed('pnpm release', () => run('pnpm', ['release', '--no-git-tag'], { cwd: repo, env }));
    for (const [name, version] of v1) {
      expect(await registryVersions(registry.url, name), `${name} on the registry\n${r.stdout}`).toEqual([
        version,
      ]);
    }
  });

  it('npm: an empty project installs the CLI and plugins by version and replays recordings through them', async () => {
    mkdirSync(npmProject);
    const specs = ['@ctrack/cli', '@ctrack/helper-ftp', ...(hasTftp ? ['@ctrack/helper-tftp'] : [])];
    await timed('npm install', () =>
      run('npm', ['install', ...specs.map((n) => `${n}@${v1.get(n)}`)], { cwd: npmProject, env }),
    );
    for (const n of specs) expect(installedVersion(npmProject, n)).toBe(v1.get(n));
    const ftp = fixture('ftp-passive-pasv');
    cpSync(ftp.pcap, join(npmProject, 'ftp.pcap'));
    const out = await run(
      'npx',
      ['ctrack', 'replay', 'ftp.pcap', '--helper', 'ftp', '--events', '--drain', ...ftp.opts],
      { cwd: npmProject, env },
    );
    expect(connEvents(out.stdout)).toEqual(ftp.kernel);
  });

  it.runIf(hasTftp)(
    'npm: npx ctrack replay capture.pcap --module @ctrack/helper-tftp --helper tftp:69 --events',
    async () => {
      const tftp = fixture('tftp-read');
      cpSync(tftp.pcap, join(npmProject, 'capture.pcap'));
      const argv = [
        'ctrack',
        'replay',
        'capture.pcap',
        '--module',
        '@ctrack/helper-tftp',
        '--helper',
        'tftp:69',
        '--events',
      ];
      const plain = await run('npx', argv, { cwd: npmProject, env });
      expect(plain.stdout).toMatch(/\[NEW\] udp .* dport=69 .*helper=tftp$/m);
      // With the recording's options (its local address and sysctls) the events are the kernel's.
      const exact = await run('npx', [...argv, '--drain', ...tftp.opts], { cwd: npmProject, env });
      expect(connEvents(exact.stdout)).toEqual(tftp.kernel);
    },
  );

  it('pnpm: a project installs the CLI and a plugin by version and replays a recording', async () => {
    mkdirSync(pnpmProject);
    writeFileSync(join(pnpmProject, 'package.json'), '{ "name": "scratch", "private": true }\n');
    const plugin = hasTftp ? '@ctrack/helper-tftp' : '@ctrack/helper-ftp';
    await timed('pnpm add', () =>
      run('pnpm', ['add', `@ctrack/cli@${v1.get('@ctrack/cli')}`, `${plugin}@${v1.get(plugin)}`], {
        cwd: pnpmProject,
        env,
      }),
    );
    expect(installedVersion(pnpmProject, plugin)).toBe(v1.get(plugin));
    // pnpm's isolated node_modules: --module finds the plugin from the project directory.
    const rec = fixture(hasTftp ? 'tftp-write' : 'ftp-active-port');
    const helper = hasTftp ? ['--module', plugin, '--helper', 'tftp'] : ['--helper', 'ftp'];
    cpSync(rec.pcap, join(pnpmProject, 'rec.pcap'));
    const out = await run(
      'pnpm',
      ['exec', 'ctrack', 'replay', 'rec.pcap', ...helper, '--events', '--drain', ...rec.opts],
      { cwd: pnpmProject, env },
    );
    expect(connEvents(out.stdout)).toEqual(rec.kernel);
  });

  it('a core minor: only core gets a new version, and the installed plugins accept it', async () => {
    addChangeset('core-minor', { '@ctrack/core': 'minor' }, 'A new core feature.');
    await run('pnpm', ['version-packages'], { cwd: repo, env });
    const v2 = copyVersions();
    const changed = [...v2].filter(([n, v]) => v1.get(n) !== v).map(([n, v]) => `${n}@${v}`);
    console.log(`round trip: core minor versions ${changed.join(', ')}`);
    const core2 = v2.get('@ctrack/core')!;
    expect(changed).toEqual([`@ctrack/core@${core2}`]);
    expect(semver.diff(v1.get('@ctrack/core')!, core2)).toBe('minor');
    // dist/ is what `pnpm release` built above (only manifests and changelogs changed);
    // pnpm publish of the one new version, as changeset publish runs it (which would first
    // ask the registry about every package: a minute more on a loaded machine).
    await timed('pnpm publish core (minor)', () =>
      run('pnpm', ['publish', '--no-git-checks'], { cwd: join(repo, 'packages/core'), env }),
    );
    expect(await registryVersions(registry.url, '@ctrack/core')).toContain(core2);

    await run('npm', ['install', `@ctrack/core@${core2}`], { cwd: npmProject, env });
    expect(installedVersion(npmProject, '@ctrack/core')).toBe(core2);
    for (const plugin of ['@ctrack/helper-ftp', ...(hasTftp ? ['@ctrack/helper-tftp'] : [])]) {
      const range = peerRanges(npmProject, plugin)['@ctrack/core']!;
      expect(semver.satisfies(core2, range), `${plugin} peer ${range}`).toBe(true);
    }
    await run('npm', ['ls', '--all'], { cwd: npmProject, env }); // exit 1 on an invalid peer
    const ftp = fixture('ftp-passive-pasv');
    const out = await run(
      'npx',
      ['ctrack', 'replay', 'ftp.pcap', '--helper', 'ftp', '--events', '--drain', ...ftp.opts],
      { cwd: npmProject, env },
    );
    expect(connEvents(out.stdout)).toEqual(ftp.kernel);

    const p = await run('pnpm', ['add', `@ctrack/core@${core2}`], { cwd: pnpmProject, env });
    expect(`${p.stdout}${p.stderr}`).not.toMatch(/unmet peer/i);
  });

  it('a core major: every plugin gets a major, and the installed plugins refuse the new core', async () => {
    const before = copyVersions();
    addChangeset('core-major', { '@ctrack/core': 'major' }, 'A breaking core change.');
    await run('pnpm', ['version-packages'], { cwd: repo, env });
    const v3 = copyVersions();
    const core3 = v3.get('@ctrack/core')!;
    const changed = [...v3].filter(([n, v]) => before.get(n) !== v).map(([n, v]) => `${n}@${v}`);
    console.log(`round trip: core major versions ${changed.join(', ')}`);
    expect(semver.major(core3)).toBe(semver.major(before.get('@ctrack/core')!) + 1);
    for (const p of publicPackages()) {
      const m = JSON.parse(readFileSync(join(repo, p.relDir, 'package.json'), 'utf8'));
      if (!m.peerDependencies?.['@ctrack/core']) continue;
      expect(semver.diff(before.get(p.name)!, m.version), `${p.name} bump`).toBe('major');
      expect(m.peerDependencies['@ctrack/core']).toBe(`^${core3}`);
      expect(readFileSync(join(repo, p.relDir, 'CHANGELOG.md'), 'utf8')).toContain(`## ${m.version}`);
    }
    // Only the new core is needed to show the refusal (publishing nine plugin majors
    // again would double the round trip's time): pnpm publish, as changeset publish runs it.
    await timed('pnpm publish core (major)', () =>
      run('pnpm', ['publish', '--no-git-checks'], { cwd: join(repo, 'packages/core'), env }),
    );
    expect(await registryVersions(registry.url, '@ctrack/core')).toContain(core3);

    // The plugins installed from the first round peer on the old major.
    const refused = await run('npm', ['install', `@ctrack/core@${core3}`], {
      cwd: npmProject,
      env,
      allowFailure: true,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ERESOLVE');
    expect(refused.stderr).toMatch(/peer @ctrack\/core@"\^1\.\d+\.\d+" from @ctrack\/helper-/);
    const range = peerRanges(npmProject, '@ctrack/helper-ftp')['@ctrack/core']!;
    expect(semver.satisfies(core3, range)).toBe(false);
    expect(installedVersion(npmProject, '@ctrack/core')).toBe(before.get('@ctrack/core')); // left as it was

    const p: RunResult = await run('pnpm', ['add', `@ctrack/core@${core3}`], {
      cwd: pnpmProject,
      env,
      allowFailure: true,
    });
    const unmet = new RegExp(
      `unmet peer @ctrack/core@\\^1\\.\\d+\\.\\d+: found ${core3.replaceAll('.', '\\.')}`,
      'i',
    );
    expect(`${p.stdout}${p.stderr}`).toMatch(unmet);
  });
});
