// Packs a workspace package exactly as `pnpm publish` would (publishConfig applied,
// workspace: ranges replaced) and reads the tarball back.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.js';
export async function packPackage(pkgDir, destDir) {
    mkdirSync(destDir, { recursive: true });
    await run('pnpm', ['pack', '--pack-destination', destDir], { cwd: pkgDir });
    const tgz = readdirSync(destDir).find((f) => f.endsWith('.tgz'));
    if (!tgz)
        throw new Error(`pnpm pack wrote no tarball into ${destDir}`);
    const tarball = join(destDir, tgz);
    const unpacked = join(destDir, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['xzf', tarball, '-C', unpacked], { cwd: destDir });
    const list = await run('tar', ['tzf', tarball], { cwd: destDir });
    const files = list.stdout
        .split('\n')
        .filter((l) => l && !l.endsWith('/'))
        .map((l) => l.replace(/^package\//, ''))
        .sort();
    const read = (path) => readFileSync(join(unpacked, 'package', path), 'utf8');
    return { tarball, files, manifest: JSON.parse(read('package.json')), read };
}
