/**
 * The code blocks of a markdown guide. A TypeScript block is "checked" when its first line is
 * `// file=NAME.ts` (compiled as that file beside the guide's other checked blocks, so a later
 * block can import an earlier one) and also "run" when that line ends with ` run`.
 */
export interface Snippet {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** From the `// file=` marker; null for an unmarked block. */
  readonly file: string | null;
  readonly run: boolean;
  readonly code: string;
}

const MARK = /^\/\/ file=([\w.-]+\.ts)( run)?\s*$/;

export function extractSnippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    const mark = MARK.exec(body[0] ?? '');
    out.push({
      line: start + 1,
      lang: open[1],
      file: mark ? mark[1] : null,
      run: mark?.[2] !== undefined,
      code: `${body.join('\n')}\n`,
    });
  }
  return out;
}
