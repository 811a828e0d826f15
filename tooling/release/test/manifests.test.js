// docs-check: ignore-file (names the per-package changelog file, which is not a citation)
// What each public package's manifest and folder owe a user of the published package,
// and the version policy the changesets config enforces (CONTRIBUTING.md, "Versions and
// peer ranges"). Fast: reads files only. `pnpm --filter @ctrack/release sync-manifests`
// writes the metadata and LICENSE into a new package.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { expectedMetadata, publicPackages, REPO_URL, ROOT } from '../src/workspace.mjs';
const packages = publicPackages();
const versions = new Map(packages.map((p) => [p.name, p.version]));
const rootLicense = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
/** Package names some pending changeset (.changeset/*.md) releases. */
function pendingChangesetNames() {
    const dir = join(ROOT, '.changeset');
    const names = new Set();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
        const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '';
        for (const m of front.matchAll(/^["']?([^"':]+)["']?\s*:/gm))
            names.add(m[1].trim());
    }
    return names;
}
it('finds the public packages in pnpm-workspace.yaml', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@ctrack/core', '@ctrack/cli']));
});
it('the root LICENSE is the MIT license the manifests declare', () => {
    expect(rootLicense).toMatch(/^MIT License/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
});
it('changesets bumps a plugin only when core leaves its peer range, and then by a major', () => {
    const config = JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8'));
    expect(config.access).toBe('public');
    expect(config.updateInternalDependencies).toBe('patch');
    expect(config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH?.onlyUpdatePeerDependentsWhenOutOfRange).toBe(true);
});
describe.each(packages.map((p) => [p.name, p]))('%s', (_name, pkg) => {
    it('carries repository, homepage, bugs, keywords, engines, files and publishConfig (sync-manifests)', () => {
        const want = expectedMetadata(pkg.relDir, pkg.manifest);
        for (const [field, value] of Object.entries(want))
            expect(pkg.manifest[field], field).toEqual(value);
        expect(pkg.manifest.license).toBe('MIT');
        expect(pkg.manifest.repository.url).toBe(`git+${REPO_URL}.git`);
    });
    it('has the root LICENSE', () => {
        expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
    });
    it('has a CHANGELOG.md written by changesets for its version, or a pending changeset', () => {
        const path = join(pkg.dir, 'CHANGELOG.md');
        if (!existsSync(path)) {
            expect(pendingChangesetNames(), 'no CHANGELOG.md and no pending changeset').toContain(pkg.name);
            return;
        }
        const changelog = readFileSync(path, 'utf8');
        expect(changelog.startsWith(`# ${pkg.name}\n`)).toBe(true);
        if (!changelog.includes(`\n## ${pkg.version}\n`))
            expect(pendingChangesetNames()).toContain(pkg.name);
    });
    it('README starts with how to install it from npm and a snippet', () => {
        const readme = readFileSync(join(pkg.dir, 'README.md'), 'utf8');
        const firstSection = readme.split(/\n## /)[1] ?? '';
        expect(firstSection.startsWith('Install'), 'first ## section is "Install"').toBe(true);
        const installLine = new RegExp(`^npm install .*${pkg.name.replace('/', '\\/')}( |$)`, 'm');
        expect(firstSection).toMatch(installLine);
        expect(firstSection).toMatch(/```(ts|js|sh)\n[\s\S]+?```/);
    });
    it('peers on workspace packages with a caret range of their current major', () => {
        const peers = (pkg.manifest.peerDependencies ?? {});
        for (const [dep, range] of Object.entries(peers)) {
            const current = versions.get(dep);
            if (!current)
                continue;
            expect(range, `${dep} peer range`).toMatch(/^\^\d+\.\d+\.\d+$/);
            expect(semver.satisfies(current, range), `${dep}@${current} satisfies ${range}`).toBe(true);
            expect(semver.major(semver.minVersion(range)), `${dep} peer major`).toBe(semver.major(current));
        }
    });
});
