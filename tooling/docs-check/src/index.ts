export {
  type Citation,
  checkFiles,
  findCitations,
  findOutsidePaths,
  headingSections,
  IGNORE_MARK,
  type Problem,
  resolveTarget,
} from './citations.js';
export { citingFiles, repoRoot } from './repo.js';
export { extractSnippets, type Snippet } from './snippets.js';
