import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';

// Bulk SQL, not the API: a million leads in minutes. Names, emails and phones vary enough for the
// trigram index to behave as on real data; created_at spreads over two years.
const FIRST = ['Olivia', 'Jack', 'Charlotte', 'Liam', 'Amelia', 'Noah', 'Isla', 'William', 'Mia', 'Henry', 'Grace', 'Oliver', 'Ava', 'Thomas', 'Sophie', 'Lucas', 'Zoe', 'Ethan', 'Chloe', 'James'];
const LAST = ['Nguyen', 'Thompson', 'Wilson', 'Patel', 'Brown', 'Kelly', 'Martin', 'OBrien', 'Chen', 'Walker', 'Singh', 'Harris', 'Robinson', 'Lee', 'Clarke', 'Taylor', 'Anderson', 'Smith', 'Jones', 'Williams'];
const DOMAINS = ['gmail.com', 'outlook.com', 'bigpond.com', 'icloud.com', 'yahoo.com.au', 'optusnet.com.au'];
const STAGES = ['new_lead', 'follow_up', 'quote_in_progress', 'quoted', 'closed_won', 'closed_lost'];
const AI = ['new', 'hot', 'warm', 'cold'];

const arr = (xs: string[]) => sql.raw(`array[${xs.map((x) => `'${x}'`).join(',')}]`);

export async function seedLeads(db: Db, companyId: string, count: number, offset: number) {
  await db.execute(sql`
    insert into leads (company_id, name, first_name, last_name, email, phone, pipeline_stage, ai_status, ai_score,
                       source, service_type, value, created_at, updated_at)
    select ${companyId}::uuid, f || ' ' || l, f, l,
           lower(f) || '.' || lower(l) || '.' || g || '@' || (${arr(DOMAINS)})[1 + g % 6],
           '+614' || lpad(((g::bigint * 7919) % 100000000)::text, 8, '0'),
           (${arr(STAGES)})[(1 + (g::bigint * 31) % 6)::int], (${arr(AI)})[(1 + (g::bigint * 17) % 4)::int], (g::bigint * 13) % 101,
           'website', 'Roof restoration', ((g % 500) * 100)::numeric,
           now() - ((g % 730) * interval '1 day') - ((g % 86400) * interval '1 second'),
           now() - ((g % 730) * interval '1 day')
    from (
      select g, (${arr(FIRST)})[1 + g % 20] f, (${arr(LAST)})[1 + (g / 20) % 20] l
      from generate_series(${offset + 1}::int, ${offset + count}::int) g
    ) s`);
}
