import type { LoadedModule } from '@ctrack/core';
import { loadKernel } from '../replay/setup.js';
import { MODULES_HELP } from './help.js';
import type { Io } from './io.js';
import { parse } from './parse.js';

const OPTIONS = {
  module: { type: 'string', multiple: true },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Modules that require `name` (lsmod's "Used by"). */
function usedBy(all: readonly LoadedModule[], name: string): string[] {
  return all.filter((m) => m.module.requires?.includes(name)).map((m) => m.module.name);
}

/**
 * lsmod for a replay: one line per module in load order (name, "Used by"), then what
 * it registered, indented.
 */
export function formatModules(mods: readonly LoadedModule[]): string {
  const lines = [`${'Module'.padEnd(28)}Used by`];
  for (const m of mods) {
    const users = usedBy(mods, m.module.name);
    lines.push(`${m.module.name.padEnd(28)}${users.length} ${users.join(',')}`.trimEnd());
    if (m.module.description) lines.push(`    ${m.module.description}`);
    for (const r of m.registered) lines.push(`    registered ${r}`);
  }
  return `${lines.join('\n')}\n`;
}

function modulesJson(mods: readonly LoadedModule[]): string {
  return mods
    .map((m) =>
      JSON.stringify({
        module: m.module.name,
        requires: m.module.requires ?? [],
        usedBy: usedBy(mods, m.module.name),
        description: m.module.description ?? null,
        registered: m.registered,
      }),
    )
    .map((l) => `${l}\n`)
    .join('');
}

export async function modulesCommand(args: readonly string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse('modules', args, OPTIONS);
  if (v.help) {
    io.stdout(MODULES_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    io.stderr(`ctrack: modules: unexpected argument "${positionals[0]}" (see ctrack modules --help)\n`);
    return 2;
  }
  const { kernel } = await loadKernel({ modules: v.module ?? [], trace: v.trace ?? false });
  const mods = kernel.modules();
  io.stdout(v.json ? modulesJson(mods) : formatModules(mods));
  return 0;
}
