// docs-check: ignore-file (names the per-package changelog file, which is not a citation)
// Every public package, packed as `pnpm publish` packs it, owes its users a clean tarball:
// no workspace-only export condition or workspace: range, LICENSE/README/CHANGELOG, source
// maps whose sources are shipped, no tests; publint and attw find nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attwProblems } from '../src/attw.js';
import { packPackage } from '../src/pack.js';
import { buildPublicPackages } from '../src/run.js';
import { publicPackages, SOURCE_CONDITION } from '../src/workspace.mjs';
const packages = publicPackages();
const work = mkdtempSync(join(tmpdir(), 'ctrack-pack-'));
const packed = new Map();
beforeAll(async () => {
    await buildPublicPackages(packages.map((p) => p.name));
    // Two at a time: the machine has two cores.
    const queue = [...packages];
    const worker = async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
            packed.set(p.name, await packPackage(p.dir, join(work, p.name.replace('/', '+'))));
        }
    };
    await Promise.all([worker(), worker()]);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** Where a map's `sources` entry or a sourceMappingURL points, relative to the package. */
function resolveFrom(file, ref) {
    return posix.normalize(posix.join(posix.dirname(file), ref));
}
describe.each(packages.map((p) => [p.name, p]))('%s tarball', (name, pkg) => {
    const get = () => packed.get(name);
    it('has no workspace-only export condition and no workspace: range', () => {
        const { manifest } = get();
        expect(JSON.stringify(manifest.exports)).not.toContain(SOURCE_CONDITION);
        expect(manifest.exports).toEqual(pkg.manifest.publishConfig.exports);
        for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
            for (const [dep, range] of Object.entries((manifest[field] ?? {}))) {
                expect(range, `${field}.${dep}`).not.toMatch(/^workspace:/);
            }
        }
        expect(manifest.version).toBe(pkg.version);
    });
    it('ships LICENSE, README.md, CHANGELOG.md and dist/, no tests', () => {
        const { files } = get();
        for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'])
            expect(files).toContain(f);
        expect(files.some((f) => f.startsWith('dist/'))).toBe(true);
        expect(files.filter((f) => /\.(test|bench)\.ts$|test-support\/|\.tsbuildinfo$/.test(f))).toEqual([]);
    });
    it('ships the sources every source map names, and every map a file points at', () => {
        const { files, read } = get();
        const shipped = new Set(files);
        const missing = [];
        for (const file of files) {
            if (file.endsWith('.map')) {
                const map = JSON.parse(read(file));
                for (const src of map.sources) {
                    const target = resolveFrom(file, src);
                    if (!shipped.has(target))
                        missing.push(`${file} -> ${target}`);
                }
            }
            else if (/\.(js|d\.ts)$/.test(file)) {
                const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(read(file))?.[1];
                if (ref && !shipped.has(resolveFrom(file, ref)))
                    missing.push(`${file} -> ${ref}`);
            }
        }
        expect(missing).toEqual([]);
    });
    it('publint (strict) has nothing to say', async () => {
        const { tarball } = get();
        const buf = readFileSync(tarball);
        const tar = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
        const result = await publint({ pack: { tarball: tar }, level: 'suggestion', strict: true });
        expect(result.messages.map((m) => formatMessage(m, result.pkg, { color: false }))).toEqual([]);
    });
    it('attw finds no type resolution problem (ESM-only profile, offline)', async () => {
        const problems = await attwProblems(get().tarball);
        expect(problems).toEqual([]);
    });
});
