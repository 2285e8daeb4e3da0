#include "store/schema.h"

#include <array>

namespace tend::store {
namespace {

constexpr std::array all{
    Migration{"events, live instances and settings", R"sql(
CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    time_us  INTEGER NOT NULL,
    subject  TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_by_subject ON events (subject, id);
CREATE INDEX events_by_time ON events (time_us);

CREATE TABLE live_processes (
    instance     TEXT    PRIMARY KEY,
    pid          INTEGER NOT NULL,
    start_ticks  INTEGER NOT NULL,
    started_us   INTEGER NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
)sql"},
    Migration{"job runs and claimed fires", R"sql(
CREATE TABLE fires (
    job          TEXT    NOT NULL,
    nominal_us   INTEGER NOT NULL,
    claimed_us   INTEGER NOT NULL,
    PRIMARY KEY (job, nominal_us)
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT    NOT NULL,
    nominal_us  INTEGER,
    trigger     TEXT    NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 1,
    state       TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    started_us  INTEGER,
    ended_us    INTEGER,
    exit_code   INTEGER,
    signal      INTEGER,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_job ON runs (job, id);
CREATE INDEX runs_by_state ON runs (state);
)sql"},
    Migration{"the item queue and item history", R"sql(
CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    job            TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    step           INTEGER NOT NULL DEFAULT 0,
    attempt        INTEGER NOT NULL DEFAULT 0,
    not_before_us  INTEGER NOT NULL DEFAULT 0,
    created_us     INTEGER NOT NULL,
    updated_us     INTEGER NOT NULL,
    error          TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX items_active ON items (job, key) WHERE state IN ('queued', 'running', 'failed');
CREATE INDEX items_ready ON items (job, state, not_before_us, id);
CREATE INDEX items_by_key ON items (job, key, id);

CREATE TABLE item_events (
    id           INTEGER PRIMARY KEY,
    item         INTEGER NOT NULL,
    time_us      INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    step         TEXT    NOT NULL DEFAULT '',
    attempt      INTEGER NOT NULL DEFAULT 0,
    exit_code    INTEGER,
    signal       INTEGER,
    duration_ms  INTEGER,
    detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX item_events_by_item ON item_events (item, id);
)sql"},
    Migration{"releases and their deploy steps", R"sql(
CREATE TABLE releases (
    id           INTEGER PRIMARY KEY,
    ref          TEXT    NOT NULL,
    sha          TEXT    NOT NULL DEFAULT '',
    directory    TEXT    NOT NULL DEFAULT '',
    file         TEXT    NOT NULL DEFAULT '',
    environment  TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL,
    who          TEXT    NOT NULL,
    created_us   INTEGER NOT NULL,
    ended_us     INTEGER,
    live_us      INTEGER,
    error        TEXT    NOT NULL DEFAULT '',
    removed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX releases_by_state ON releases (state, id);

CREATE TABLE release_steps (
    id          INTEGER PRIMARY KEY,
    release     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    command     TEXT    NOT NULL DEFAULT '',
    started_us  INTEGER NOT NULL,
    ended_us    INTEGER,
    outcome     TEXT    NOT NULL DEFAULT 'running',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX release_steps_by_release ON release_steps (release, id);
)sql"},
    Migration{"live processes keyed by run id", R"sql(
CREATE TABLE live_runs (
    run_id       TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    start_ticks  INTEGER NOT NULL,
    started_us   INTEGER NOT NULL
);
INSERT INTO live_runs (run_id, name, pid, start_ticks, started_us)
    SELECT 'instance:' || instance, instance, pid, start_ticks, started_us FROM live_processes;
DROP TABLE live_processes;
ALTER TABLE live_runs RENAME TO live_processes;
)sql"},
    Migration{"a queue index that matches the ready query, item counts kept by triggers, indexes for retention",
        R"sql(
CREATE INDEX items_queue ON items (job, id) WHERE state = 'queued';
CREATE INDEX items_by_job ON items (job, id);
CREATE INDEX items_finished ON items (updated_us) WHERE state IN ('succeeded', 'dead');

CREATE TABLE item_counts (
    job    TEXT    NOT NULL,
    state  TEXT    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (job, state)
) WITHOUT ROWID;
INSERT INTO item_counts (job, state, count) SELECT job, state, COUNT(*) FROM items GROUP BY job, state;

CREATE TRIGGER items_counted_on_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts (job, state, count) VALUES (NEW.job, NEW.state, 1)
        ON CONFLICT (job, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER items_counted_on_update AFTER UPDATE OF job, state ON items
    WHEN OLD.state != NEW.state OR OLD.job != NEW.job BEGIN
    UPDATE item_counts SET count = count - 1 WHERE job = OLD.job AND state = OLD.state;
    INSERT INTO item_counts (job, state, count) VALUES (NEW.job, NEW.state, 1)
        ON CONFLICT (job, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER items_counted_on_delete AFTER DELETE ON items BEGIN
    UPDATE item_counts SET count = count - 1 WHERE job = OLD.job AND state = OLD.state;
END;

CREATE INDEX runs_by_end ON runs (ended_us);
CREATE INDEX fires_by_nominal ON fires (nominal_us);
)sql"},
};

}  // namespace

std::span<const Migration> migrations()
{
    return all;
}

}  // namespace tend::store
