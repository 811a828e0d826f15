#!/usr/bin/env node
// Writes what a published package owes into every public workspace package: the metadata
// fields (src/workspace.mjs expectedMetadata), publishConfig.exports without the
// workspace-only condition, and the root LICENSE. Run it after adding a package or
// changing an `exports` map; test/manifests.test.ts fails until it has been run.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMetadata, publicPackages, ROOT } from '../src/workspace.mjs';

for (const pkg of publicPackages()) {
  const manifestPath = join(pkg.dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  Object.assign(manifest, expectedMetadata(pkg.relDir, manifest));
  // Existing fields keep their place (fewer conflicts with other edits); new ones go last.
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(ROOT, 'LICENSE'), join(pkg.dir, 'LICENSE'));
  console.log(`${pkg.name}: ${pkg.relDir}/package.json, LICENSE`);
}
