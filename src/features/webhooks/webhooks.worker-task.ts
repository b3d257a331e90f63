import { loadSecretBox } from '../../lib/secret-box.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { createWebhookDeliveryTask, type WebhookWorkerTask } from './webhook-worker.js';
import { createWebhookSender } from './webhook-sender.js';

/** The webhook worker of a process: fan-out of outbox events, then delivery, with its own HTTP agent. */
export function webhookWorkerTask(deps: { config: Config; database: Database; clock: Clock; log: Logger }): WebhookWorkerTask {
  const sender = createWebhookSender({ allowPrivateTargets: deps.config.webhookAllowPrivateTargets });
  const task = createWebhookDeliveryTask({
    db: deps.database.db,
    clock: deps.clock,
    secrets: loadSecretBox(deps.config, deps.database.engine),
    sender,
    log: deps.log,
    maxInFlight: deps.config.webhookMaxInFlight,
    maxPerEndpoint: deps.config.webhookMaxPerEndpoint,
  });
  return {
    ...task,
    async stop() {
      await task.stop?.();
      await sender.close();
    },
  };
}
