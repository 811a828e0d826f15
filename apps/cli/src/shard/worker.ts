/**
 * A sharded replay's worker thread starts here: the tracker (tracker-worker.ts) is
 * loaded behind this guard, so a module that fails to load is reported to the main
 * thread (which may be blocked waiting for this worker) instead of killing the thread
 * silently.
 */
import { workerData } from 'node:worker_threads';
import { reportFailure, type WorkerConfig } from './protocol.js';

import('./tracker-worker.js').catch((e: unknown) => {
  reportFailure(
    workerData as WorkerConfig,
    `replay worker: ${e instanceof Error ? e.message : String(e)}`,
    false,
  );
});
