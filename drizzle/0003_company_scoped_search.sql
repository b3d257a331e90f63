-- Search within one company. A trigram index over every lead of every company makes each trigram's
-- posting list as long as the whole table (every phone adds digit trigrams), so even a one-match search
-- decodes megabytes of postings: about 25 ms at 1.3 million leads. Keying each trigram by the first
-- 8 hex digits of its company's id keeps the lists per company, and the same search reads ~60 pages,
-- under 1 ms. A prefix shared by two companies only costs a few extra rows, which the company_id and
-- LIKE conditions remove.
-- Both functions keep the search_path of this migration: index builds run with a restricted one,
-- and show_trgm lives wherever pg_trgm was installed.
CREATE FUNCTION lead_search_keys(company uuid, txt text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
  AS $$ SELECT array(SELECT DISTINCT left(company::text, 8) || t FROM unnest(show_trgm(txt)) t) $$;
--> statement-breakpoint
-- The keys a row must have for its text to contain `term`: the trigrams lying wholly inside a word of
-- the term. A trigram padded with the term's ends (where the text may go on) is left out; show_trgm
-- hashes multibyte trigrams, so padding is found by subtracting the trigrams of each 2-character part.
CREATE FUNCTION lead_search_query_keys(company uuid, term text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
  AS $$
    SELECT coalesce(array_agg(DISTINCT left(company::text, 8) || k), '{}')
    FROM generate_series(1, greatest(length(term) - 2, 0)) i,
    LATERAL (
      SELECT unnest(show_trgm(substr(lower(term), i, 3)))
      EXCEPT SELECT unnest(show_trgm(substr(lower(term), i, 2)))
      EXCEPT SELECT unnest(show_trgm(substr(lower(term), i + 1, 2)))
    ) inner_trigrams(k)
  $$;
--> statement-breakpoint
-- Without GIN's fast update: its pending list is read in full by every search, and after a few
-- thousand new leads a one-match search in a large company went from under 1 ms to 5 ms. Inserts
-- pay for their ~40 keys at once instead.
CREATE INDEX leads_search_keys_idx ON leads USING gin (lead_search_keys(company_id, search_text)) WITH (fastupdate = off);
