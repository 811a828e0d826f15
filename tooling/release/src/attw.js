// Are the Types Wrong, in process: the same check and exit rule as
// `attw <tarball> --profile esm-only --no-definitely-typed` (the @arethetypeswrong/cli
// devDependency runs it by hand), without starting TypeScript once per package.
import { readFile } from 'node:fs/promises';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
/**
 * The packages are ESM only (`"type": "module"`, no `require` condition): the profile
 * skips the resolutions that cannot load them (node10, and node16 from CommonJS).
 */
const IGNORED_RESOLUTIONS = ['node10', 'node16-cjs'];
/** Problems attw reports for a tarball; an untyped package is one problem. */
export async function attwProblems(tarball) {
    const pkg = createPackageFromTarballData(new Uint8Array(await readFile(tarball)));
    const analysis = await checkPackage(pkg);
    if (!analysis.types)
        return ['the package ships no types'];
    return analysis.problems
        .filter((p) => !('resolutionKind' in p) || !IGNORED_RESOLUTIONS.includes(p.resolutionKind))
        .map((p) => JSON.stringify(p));
}
