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
};

}  // namespace

std::span<const Migration> migrations()
{
    return all;
}

}  // namespace tend::store
