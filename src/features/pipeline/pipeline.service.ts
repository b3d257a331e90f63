import type { Db } from '../../db/client.js';
import type { Tenant } from '../../auth/principal.js';
import { PIPELINE_STAGES, type PipelineStage } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { countLeadsByStage } from '../leads/leads.repo.js';
import { newLeadsByWeek, quoteOutcomes } from './pipeline.repo.js';

const WEEKS = 12;

/** The pipeline (GET /v1/pipeline) and the dashboard's overview of it. */
export function createPipeline(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  /** Lead count per stage: all six stages, zeros included. */
  async function stages(tenant: Pick<Tenant, 'companyId'>): Promise<Record<PipelineStage, number>> {
    const counts = await countLeadsByStage(db, tenant.companyId);
    return Object.fromEntries(PIPELINE_STAGES.map((s) => [s, counts.get(s) ?? 0])) as Record<PipelineStage, number>;
  }

  /** The dashboard's home: the funnel, the weekly intake (in the company's timezone) and the quote win rate. */
  async function overview(tenant: Pick<Tenant, 'companyId'>) {
    const [pipeline, weeks, quotes] = await Promise.all([
      stages(tenant),
      newLeadsByWeek(db, tenant.companyId, new Date(clock.now()), WEEKS),
      quoteOutcomes(db, tenant.companyId),
    ]);
    const decided = quotes.accepted + quotes.declined;
    return { pipeline, new_leads_by_week: weeks, quotes: { ...quotes, win_rate: decided === 0 ? null : quotes.accepted / decided } };
  }

  return { stages, overview };
}

export type PipelineService = ReturnType<typeof createPipeline>;
/** What GET /app/api/overview answers (the dashboard reads this type). */
export type Overview = Awaited<ReturnType<PipelineService['overview']>>;
