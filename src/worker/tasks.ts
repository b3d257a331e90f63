import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { instantReplyJobHandler } from '../features/sms/instant-reply.js';
import { createSmsProvider } from '../features/sms/sms.provider.js';
import { createSms } from '../features/sms/sms.service.js';
import { createLeads } from '../features/leads/leads.service.js';
import { createAppointments } from '../features/appointments/appointments.service.js';
import { createQuotes } from '../features/quotes/quotes.service.js';
import { quoteLinkTexter } from '../features/quotes/quote-link-text.js';
import { createAgentSettings } from '../features/agent/agent-settings.service.js';
import { agentTurnJobHandler } from '../features/agent/agent-turn.js';
import { followUpJobHandler } from '../features/follow-ups/follow-up-job.js';
import { reminderAnswerJobHandler } from '../features/follow-ups/reminder-answers.js';
import { llmEngineOf } from '../features/agent/llm-engine.js';
import type { WorkerTask } from '../jobs/task-loop.js';
import { createRetentionTask } from './retention.js';
import { createJobsTask } from '../jobs/jobs.worker-task.js';
import { alertEmailJobHandler } from '../features/alerts/alert-email.js';
import { alertSmsJobHandler } from '../features/alerts/alert-sms.js';
import { createMailer } from '../lib/mailer.js';
import { loadSecretBox } from '../lib/secret-box.js';
import { inviteEmailJobHandler } from '../features/accounts/invite-email.js';
import { webhookWorkerTask } from '../features/webhooks/webhooks.worker-task.js';

const AGENT_TURNS_AT_ONCE = 50;

export type WorkerDeps = { config: Config; database: Database; clock: Clock; log: Logger };

/** Every kind of background work this process runs when it runs a worker. Each feature adds its task here. */
export function createWorkerTasks(deps: WorkerDeps): WorkerTask[] {
  const { config, database, clock, log } = deps;
  const db = database.db;
  const leads = createLeads({ db, clock });
  const smsProvider = createSmsProvider(config, log);
  const sms = createSms({
    db,
    clock,
    leads,
    provider: smsProvider,
    publicUrl: config.publicUrl,
    onRecordError: (err) => log.warn({ err }, "text sent, but Twilio's answer was not recorded"),
  });
  const quotes = createQuotes({ db, clock, leads, publicUrl: config.publicUrl, textQuoteLink: quoteLinkTexter(sms) });
  const llm = llmEngineOf(config);
  const agentSettings = createAgentSettings({ db, clock, config });
  const mailer = createMailer(config);
  return [
    webhookWorkerTask(deps),
    createRetentionTask({ db, clock }),
    // Every kind of timed work is a job; its handler is registered here.
    createJobsTask({
      db,
      clock,
      log,
      listen: database.listen,
      handlers: [
        instantReplyJobHandler({ db, sms }),
        followUpJobHandler({ db, clock, sms, publicUrl: config.publicUrl }),
        reminderAnswerJobHandler({ db, clock, sms, leads, agentSettings }),
        alertEmailJobHandler({ db, mailer, publicUrl: config.publicUrl }),
        inviteEmailJobHandler({ db, mailer, secrets: loadSecretBox(config, database.engine), now: () => new Date(clock.now()) }),
        alertSmsJobHandler({ db, provider: smsProvider, publicUrl: config.publicUrl }),
      ],
    }),
    // Agent turns wait on a model for seconds: a task of their own, so they never hold up the rest.
    createJobsTask({
      name: 'agent',
      // A turn mostly waits on the model (seconds): many side by side, each lead's still one at a time.
      batch: AGENT_TURNS_AT_ONCE,
      pool: true,
      db,
      clock,
      log,
      listen: database.listen,
      handlers: [
        agentTurnJobHandler({
          db,
          clock,
          config,
          sms,
          leads,
          appointments: createAppointments({ db, clock }),
          quotes,
          agentSettings,
          llm,
        }),
      ],
    }),
  ];
}
