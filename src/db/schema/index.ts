// One file per area, so that each feature's tables sit together; drizzle-kit reads this folder.
export * from './core.js';
export * from './sms.js';
export * from './quotes.js';
export * from './webhooks.js';
export * from './accounts.js';
export * from './jobs.js';
export * from './agent.js';
export * from './automations.js';
export * from './intake.js';
export * from './alerts.js';
export * from './inbox.js';
