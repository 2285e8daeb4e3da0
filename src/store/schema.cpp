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
};

}  // namespace

std::span<const Migration> migrations()
{
    return all;
}

}  // namespace tend::store
