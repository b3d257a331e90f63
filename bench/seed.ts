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

// Quotes and appointments (issue 3), in bulk SQL over a company's existing leads. Statuses spread as a
// trade business sees them; every quote has three lines that add up to its subtotal, 10% tax on top.
export async function seedQuotes(db: Db, companyId: string, count: number) {
  await db.execute(sql`
    with l as (select id, (row_number() over (order by id) - 1)::int i from leads where company_id = ${companyId}::uuid),
    n as (select count(*)::int c from l),
    g as (
      select g, ((g::bigint * 7919) % 1000000) + 5000 sub,
             (${arr(['draft', 'draft', 'draft', 'draft', 'sent', 'sent', 'sent', 'viewed', 'viewed', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'declined', 'declined', 'declined', 'declined'])})[1 + g % 20] status,
             now() - ((g % 730) * interval '1 day') - ((g % 86400) * interval '1 second') created
      from generate_series(1, ${count}::int) g
    )
    insert into quotes (company_id, lead_id, number, status, subtotal_cents, tax_cents, total_cents, tax_rate, tax_mode,
                        currency, notes, valid_until, expires_at, public_token, sent_at, viewed_at, accepted_at, declined_at,
                        created_at, updated_at)
    select ${companyId}::uuid, l.id, g.g, g.status, g.sub, (g.sub + 5) / 10, g.sub + (g.sub + 5) / 10, 0.1, 'exclusive',
           'AUD', case when g.g % 3 = 0 then 'Includes disposal of old materials' end,
           (g.created + interval '30 days')::date,
           case when g.status <> 'draft' then (((g.created + interval '31 days')::date)::timestamp at time zone 'Australia/Sydney') end,
           translate(encode(decode(md5(g.g::text || random()::text) || md5(random()::text), 'hex'), 'base64'), '+/=', '-_'),
           case when g.status <> 'draft' then g.created + interval '1 hour' end,
           case when g.status in ('viewed', 'accepted', 'declined') then g.created + interval '5 hours' end,
           case when g.status = 'accepted' then g.created + interval '2 days' end,
           case when g.status = 'declined' then g.created + interval '3 days' end,
           g.created, g.created
    from g join l on l.i = (g.g::bigint * 7907 % (select c from n))::int`);
  await db.execute(sql`
    insert into quote_line_items (quote_id, position, description, quantity_milli, unit_price_cents, subtotal_cents)
    select q.id, p, (${arr(['Roof restoration', 'Ridge capping re-point', 'Gutter replacement'])})[p],
           1000, case when p = 1 then q.subtotal_cents - 2 * (q.subtotal_cents / 4) else q.subtotal_cents / 4 end,
           case when p = 1 then q.subtotal_cents - 2 * (q.subtotal_cents / 4) else q.subtotal_cents / 4 end
    from quotes q cross join generate_series(1, 3) p where q.company_id = ${companyId}::uuid`);
  await db.execute(sql`
    insert into quote_number_counters (company_id, last_number) values (${companyId}::uuid, ${count})
    on conflict (company_id) do update set last_number = greatest(quote_number_counters.last_number, excluded.last_number)`);
}

export async function seedAppointments(db: Db, companyId: string, count: number) {
  await db.execute(sql`
    with l as (select id, name, (row_number() over (order by id) - 1)::int i from leads where company_id = ${companyId}::uuid),
    n as (select count(*)::int c from l),
    g as (
      select g, (${arr(['callback', 'onsite', 'other'])})[1 + g % 3] t,
             date_trunc('hour', now()) + (((g::bigint * 7919) % 17520) - 8760) * interval '1 hour' s
      from generate_series(1, ${count}::int) g
    )
    insert into appointments (company_id, lead_id, title, status, appointment_type, start_time, end_time, location,
                              booked_by, created_at, updated_at)
    select ${companyId}::uuid, l.id,
           case g.t when 'callback' then 'Callback: ' when 'onsite' then 'Site Visit: ' else 'Appointment: ' end || l.name,
           (${arr(['scheduled', 'confirmed', 'completed', 'cancelled', 'no_show'])})[1 + g.g % 5], g.t, g.s,
           g.s + interval '30 minutes', case when g.t = 'onsite' then g.g || ' High Street' end,
           (${arr(['ai', 'human', 'api'])})[1 + g.g % 3], g.s - interval '7 days', g.s - interval '7 days'
    from g join l on l.i = (g.g::bigint * 7907 % (select c from n))::int`);
}
