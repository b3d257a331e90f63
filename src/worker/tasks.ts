import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/rate-limiter.js';
import type { WorkerTask } from './worker.js';
import { webhookWorkerTask } from '../features/webhooks/webhooks.worker-task.js';

export type WorkerDeps = { config: Config; database: Database; clock: Clock; log: Logger };

/** Every kind of background work this process runs when it runs a worker. Each feature adds its task here. */
export function createWorkerTasks(deps: WorkerDeps): WorkerTask[] {
  return [webhookWorkerTask(deps)];
}
