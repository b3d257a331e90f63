-- Tells every API process which credentials changed, so that a process may keep token lookups in
-- memory (src/features/tokens/token-cache.ts) and never serve one past a change made anywhere: the
-- API, the command line, an operator's SQL. Payloads on channel quoteleads_auth: `token:<sha256>`,
-- `company:<id>`, `user:<id>`, `session:<id>`, or `*` (forget everything, after a TRUNCATE).
-- PostgreSQL delivers them at commit, never for a rolled-back change, and merges repeats within a
-- transaction. Row triggers with WHEN: only changes that matter to authentication notify (a token's
-- last_used_at, a session's idle expiry, moved on every use, do not).
CREATE FUNCTION auth_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'api_tokens' THEN
    PERFORM pg_notify('quoteleads_auth', 'token:' || OLD.token_hash);
    IF TG_OP = 'UPDATE' AND NEW.token_hash IS DISTINCT FROM OLD.token_hash THEN
      PERFORM pg_notify('quoteleads_auth', 'token:' || NEW.token_hash);
    END IF;
  ELSIF TG_TABLE_NAME = 'companies' THEN
    PERFORM pg_notify('quoteleads_auth', 'company:' || OLD.id::text);
  ELSIF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('quoteleads_auth', 'user:' || OLD.id::text);
  ELSIF TG_TABLE_NAME = 'sessions' THEN
    PERFORM pg_notify('quoteleads_auth', 'session:' || OLD.id::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION auth_truncate_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('quoteleads_auth', '*');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_auth_update AFTER UPDATE ON api_tokens FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.scopes IS DISTINCT FROM NEW.scopes OR OLD.company_id IS DISTINCT FROM NEW.company_id
    OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
  EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER api_tokens_auth_delete AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
-- A cached token carries its company's country (it reads national phone numbers).
CREATE TRIGGER companies_auth_update AFTER UPDATE ON companies FOR EACH ROW
  WHEN (OLD.country IS DISTINCT FROM NEW.country OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER companies_auth_delete AFTER DELETE ON companies FOR EACH ROW EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER users_auth_update AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.company_id IS DISTINCT FROM NEW.company_id
    OR OLD.password_hash IS DISTINCT FROM NEW.password_hash OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER users_auth_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER sessions_auth_update AFTER UPDATE ON sessions FOR EACH ROW
  WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.token_hash IS DISTINCT FROM NEW.token_hash OR NEW.expires_at < OLD.expires_at)
  EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER sessions_auth_delete AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION auth_changes_notify();
--> statement-breakpoint
CREATE TRIGGER api_tokens_auth_truncate AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION auth_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER companies_auth_truncate AFTER TRUNCATE ON companies FOR EACH STATEMENT EXECUTE FUNCTION auth_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER users_auth_truncate AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER sessions_auth_truncate AFTER TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION auth_truncate_notify();
