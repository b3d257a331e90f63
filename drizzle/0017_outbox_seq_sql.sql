-- The live stream (GET /app/api/stream, src/features/stream/) sends a company's events in `seq` order
-- and resumes after the last seq a browser saw (Last-Event-ID). That is exact only if a company's
-- events commit in seq order: otherwise a transaction that took seq 10 and commits after the one that
-- took seq 11 would be missed by a browser that has already seen 11. An identity alone does not give
-- that (numbers are taken at insert, transactions commit in any order), so at commit each event is
-- checked, and renumbered if a later-numbered event of its company committed first:
-- - under one advisory lock, held to the end of the commit: the checks and commits of transactions
--   that record events run one after another. PostgreSQL already serialises the commits of every
--   transaction that sends a NOTIFY (it holds a lock from just before commit until after it, so that
--   notifications are queued in commit order), and every one of these does: the lock only moves that
--   point a little earlier, to the deferred trigger below. One lock for all companies, not one per
--   company: a transaction recording events of two companies then cannot deadlock with another.
-- - the check sees every committed event (READ COMMITTED: each statement of the function takes a
--   fresh snapshot). Under REPEATABLE READ or SERIALIZABLE it might not, so those always renumber.
-- - renumbering takes the sequence's next value, higher than any number taken so far; several events
--   of one transaction keep their order (each is renumbered after the one before).
-- Then one NOTIFY per event, `<company id>:<seq>`, which PostgreSQL delivers after the commit, in
-- commit order, so also in seq order.
CREATE FUNCTION outbox_events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  final_seq bigint := NEW.seq;
BEGIN
  PERFORM pg_advisory_xact_lock(7240151002);
  IF current_setting('transaction_isolation') <> 'read committed'
     OR EXISTS (SELECT 1 FROM outbox_events WHERE company_id = NEW.company_id AND seq > NEW.seq) THEN
    -- No row when the event was deleted in its own transaction: nothing to renumber or announce.
    UPDATE outbox_events SET seq = DEFAULT WHERE id = NEW.id RETURNING seq INTO final_seq;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM pg_notify('quoteleads_events', NEW.company_id::text || ':' || final_seq::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Deferred: fires at commit, after every statement of the transaction, so the lock is held only for
-- the commit itself (taking it at insert would hold it across the rest of the transaction).
CREATE CONSTRAINT TRIGGER outbox_events_commit_order AFTER INSERT ON outbox_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outbox_events_commit_order();
