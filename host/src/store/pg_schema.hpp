// The PostgreSQL schema, as numbered migrations applied in order under an advisory lock, so
// replicas starting together apply each once. Never edit a released one: append a new one.
#pragma once

#include <array>

namespace herald::pg {

// The pg_advisory_lock key that serialises migrations.
inline constexpr long long kMigrationLock = 0x4845524c44000001;  // "HERLD" + 1

// The NOTIFY channel that tells a lane's owner it has work ("<owner>\t<lane>") or that a dead
// job was replayed ("<owner>\t<lane>\t<job id>"); and "released" when a replica stops.
inline constexpr const char* kWorkChannel = "herald_work";

inline constexpr std::array kMigrations = {
    // 1: the same tables as the SQLite store (docs/operations.md, Storage).
    R"SQL(
CREATE TABLE events (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  source           TEXT NOT NULL,
  service          TEXT NOT NULL,
  environment      TEXT NOT NULL,
  status           TEXT NOT NULL,
  deployment_id    TEXT NOT NULL,
  json             TEXT NOT NULL,
  accepted_at_ms   BIGINT NOT NULL,
  is_recovery      INTEGER NOT NULL DEFAULT 0,
  failures_before  BIGINT NOT NULL DEFAULT 0,
  failing_since_ms BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE jobs (
  id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_seq           BIGINT NOT NULL REFERENCES events(seq),
  team                TEXT NOT NULL,
  channel             TEXT NOT NULL,
  channel_type        TEXT NOT NULL,
  destination_hash    TEXT NOT NULL,
  reason              TEXT NOT NULL,
  fallback            INTEGER NOT NULL DEFAULT 0,
  state               TEXT NOT NULL,
  attempts            BIGINT NOT NULL DEFAULT 0,
  next_attempt_at_ms  BIGINT NOT NULL DEFAULT 0,
  first_attempt_at_ms BIGINT NOT NULL DEFAULT 0,
  last_status         BIGINT NOT NULL DEFAULT 0,
  last_error          TEXT NOT NULL DEFAULT '',
  response_excerpt    TEXT NOT NULL DEFAULT '',
  dead_reason         TEXT NOT NULL DEFAULT '',
  created_at_ms       BIGINT NOT NULL,
  updated_at_ms       BIGINT NOT NULL,
  finished_at_ms      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_event ON jobs(event_seq);
CREATE INDEX jobs_open ON jobs(id) WHERE state IN ('pending', 'retry');
CREATE TABLE attempts (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id        BIGINT NOT NULL,
  number        BIGINT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  status_code   BIGINT NOT NULL,
  latency_ms    BIGINT NOT NULL,
  outcome       TEXT NOT NULL,
  error         TEXT NOT NULL
);
CREATE INDEX attempts_job ON attempts(job_id);
CREATE TABLE service_status (
  service          TEXT NOT NULL,
  environment      TEXT NOT NULL,
  last_status      TEXT NOT NULL,
  failures         BIGINT NOT NULL,
  failing_since_ms BIGINT NOT NULL,
  PRIMARY KEY (service, environment)
);
CREATE TABLE receipts (
  destination_hash TEXT NOT NULL,
  deployment_id    TEXT NOT NULL,
  receipt          TEXT NOT NULL,
  PRIMARY KEY (destination_hash, deployment_id)
);
CREATE TABLE store_probe (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  at_ms BIGINT NOT NULL
);
)SQL",
    // 2: several replicas share the work. A lane (team/channel, service, environment: one
    // delivery FIFO) belongs to one live replica at a time; a replica is live while its lease
    // lasts. Rate limits and Retry-After pauses are shared rows, taken in one call. Times come
    // from the database's clock, so replicas' clocks need not agree.
    R"SQL(
CREATE FUNCTION herald_now_ms() RETURNS BIGINT LANGUAGE SQL VOLATILE AS
  $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT $$;
ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT '';
UPDATE jobs j SET lane = j.team || '/' || j.channel || E'\n' || e.service || E'\n' || e.environment
  FROM events e WHERE e.seq = j.event_seq;
CREATE INDEX jobs_open_lane ON jobs(lane, id) WHERE state IN ('pending', 'retry');
CREATE INDEX jobs_dead ON jobs(id) WHERE state = 'dead';
CREATE TABLE replicas (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  started_at_ms  BIGINT NOT NULL,
  lease_until_ms BIGINT NOT NULL
);
CREATE TABLE lanes (
  lane  TEXT PRIMARY KEY,
  owner TEXT NOT NULL
);
CREATE TABLE rate_limits (
  key             TEXT PRIMARY KEY,
  tat_ms          DOUBLE PRECISION NOT NULL DEFAULT 0,
  paused_until_ms BIGINT NOT NULL DEFAULT 0
);
-- GCRA on a shared row: 0 when a request may go now (and it is counted), else the wait in ms.
-- Without a rate (interval 0) only a pause can hold a request back, and nothing is written.
CREATE FUNCTION herald_take_rate(k TEXT, interval_ms DOUBLE PRECISION, tolerance_ms DOUBLE PRECISION)
RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  now_ms DOUBLE PRECISION := extract(epoch FROM clock_timestamp()) * 1000;
  r rate_limits%ROWTYPE;
  at_ms DOUBLE PRECISION;
BEGIN
  IF interval_ms <= 0 THEN
    SELECT * INTO r FROM rate_limits WHERE key = k;
    IF NOT FOUND OR r.paused_until_ms <= now_ms THEN
      RETURN 0;
    END IF;
    RETURN CEIL(r.paused_until_ms - now_ms)::BIGINT;
  END IF;
  INSERT INTO rate_limits (key) VALUES (k) ON CONFLICT (key) DO NOTHING;
  SELECT * INTO r FROM rate_limits WHERE key = k FOR UPDATE;
  at_ms := GREATEST(now_ms, r.paused_until_ms::DOUBLE PRECISION, r.tat_ms - tolerance_ms);
  IF at_ms > now_ms THEN
    RETURN CEIL(at_ms - now_ms)::BIGINT;
  END IF;
  UPDATE rate_limits SET tat_ms = GREATEST(r.tat_ms, now_ms) + interval_ms WHERE key = k;
  RETURN 0;
END $$;
)SQL",
};

}  // namespace herald::pg
