// The SQLite schema, as numbered migrations applied in order. Never edit a released one:
// append a new migration instead.
#pragma once

#include <array>

namespace herald::sqlite {

inline constexpr std::array kMigrations = {
    // 1: events, jobs, attempts, service status, receipts. Secondary indexes are few on purpose:
    // each one is written by every commit, while the scans they would serve (start-up, hourly
    // retention, listing the dead-letter queue) are rare.
    R"SQL(
CREATE TABLE events (
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  source           TEXT NOT NULL,
  service          TEXT NOT NULL,
  environment      TEXT NOT NULL,
  status           TEXT NOT NULL,
  deployment_id    TEXT NOT NULL,
  json             TEXT NOT NULL,
  accepted_at_ms   INTEGER NOT NULL,
  is_recovery      INTEGER NOT NULL DEFAULT 0,
  failures_before  INTEGER NOT NULL DEFAULT 0,
  failing_since_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE jobs (
  id                  INTEGER PRIMARY KEY,
  event_seq           INTEGER NOT NULL REFERENCES events(seq),
  team                TEXT NOT NULL,
  channel             TEXT NOT NULL,
  channel_type        TEXT NOT NULL,
  destination_hash    TEXT NOT NULL,
  reason              TEXT NOT NULL,
  fallback            INTEGER NOT NULL DEFAULT 0,
  state               TEXT NOT NULL,
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms  INTEGER NOT NULL DEFAULT 0,
  first_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
  last_status         INTEGER NOT NULL DEFAULT 0,
  last_error          TEXT NOT NULL DEFAULT '',
  response_excerpt    TEXT NOT NULL DEFAULT '',
  dead_reason         TEXT NOT NULL DEFAULT '',
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  finished_at_ms      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_event ON jobs(event_seq);
CREATE TABLE attempts (
  id            INTEGER PRIMARY KEY,
  job_id        INTEGER NOT NULL,
  number        INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL,
  status_code   INTEGER NOT NULL,
  latency_ms    INTEGER NOT NULL,
  outcome       TEXT NOT NULL,
  error         TEXT NOT NULL
);
CREATE INDEX attempts_job ON attempts(job_id);
CREATE TABLE service_status (
  service          TEXT NOT NULL,
  environment      TEXT NOT NULL,
  last_status      TEXT NOT NULL,
  failures         INTEGER NOT NULL,
  failing_since_ms INTEGER NOT NULL,
  PRIMARY KEY (service, environment)
);
CREATE TABLE receipts (
  destination_hash TEXT NOT NULL,
  deployment_id    TEXT NOT NULL,
  receipt          TEXT NOT NULL,
  PRIMARY KEY (destination_hash, deployment_id)
);
)SQL",
    // 2: one row the writer rewrites to learn whether the disk takes commits again.
    R"SQL(
CREATE TABLE store_probe (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  at_ms INTEGER NOT NULL
);
)SQL",
};

}  // namespace herald::sqlite
