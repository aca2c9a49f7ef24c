// The PostgreSQL schema, as numbered migrations applied in order under an advisory lock, so
// replicas starting together apply each once. Never edit a released one: append a new one.
#pragma once

#include <array>

namespace herald::pg {

// pg_advisory_lock keys: migrations, and the writer that owns the store (one per database until
// several replicas share the work with leases).
inline constexpr long long kMigrationLock = 0x4845524c44000001;  // "HERLD" + 1
inline constexpr long long kWriterLock = 0x4845524c44000002;

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
};

}  // namespace herald::pg
