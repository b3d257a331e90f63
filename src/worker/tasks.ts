import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { instantReplyJobHandler } from '../features/sms/instant-reply.js';
import { createSmsProvider } from '../features/sms/sms.provider.js';
import { createSms } from '../features/sms/sms.service.js';
import { createLeads } from '../features/leads/leads.service.js';
import type { WorkerTask } from '../jobs/task-loop.js';
import { createRetentionTask } from './retention.js';
import { createJobsTask } from '../jobs/jobs.worker-task.js';
import { webhookWorkerTask } from '../features/webhooks/webhooks.worker-task.js';

export type WorkerDeps = { config: Config; database: Database; clock: Clock; log: Logger };

/** Every kind of background work this process runs when it runs a worker. Each feature adds its task here. */
export function createWorkerTasks(deps: WorkerDeps): WorkerTask[] {
  const { config, database, clock, log } = deps;
  return [
    webhookWorkerTask(deps),
    createRetentionTask({ db: database.db, clock }),
    // Every kind of timed work is a job; its handler is registered here.
    createJobsTask({
      db: database.db,
      clock,
      log,
      listen: database.listen,
      handlers: [
        instantReplyJobHandler({
          db: database.db,
          sms: createSms({
            db: database.db,
            clock,
            leads: createLeads({ db: database.db, clock }),
            provider: createSmsProvider(config, log),
            publicUrl: config.publicUrl,
            onRecordError: (err) => log.warn({ err }, "instant reply sent, but Twilio's answer was not recorded"),
          }),
        }),
      ],
    }),
  ];
}
