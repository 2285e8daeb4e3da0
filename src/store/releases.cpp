#include "store/releases.h"

namespace tend::store {
namespace {

constexpr const char* columns
    = "id, ref, sha, directory, file, environment, state, who, created_us, ended_us, live_us, error, removed";

Release read_release(const Statement& row)
{
    return Release{
        .id = row.column_int(0),
        .ref = row.column_text(1),
        .sha = row.column_text(2),
        .directory = row.column_text(3),
        .file = row.column_text(4),
        .environment = row.column_text(5),
        .state = row.column_text(6),
        .who = row.column_text(7),
        .created_us = row.column_int(8),
        .ended_us = row.column_optional(9),
        .live_us = row.column_optional(10),
        .error = row.column_text(11),
        .removed = row.column_int(12) != 0,
    };
}

Result<std::optional<Release>> first(Statement& select)
{
    if (TRY(select.step()))
        return std::optional<Release>(read_release(select));
    return std::optional<Release>();
}

}  // namespace

Result<std::int64_t> Releases::create(const Release& release)
{
    auto insert = TRY(m_db.prepare("INSERT INTO releases (ref, sha, directory, file, environment, state, who, "
                                   "created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.bind(1, release.ref).bind(2, release.sha).bind(3, release.directory).bind(4, release.file);
    insert.bind(5, release.environment).bind(6, release.state).bind(7, release.who).bind(8, release.created_us);
    TRY(insert.run());
    return m_db.last_insert_id();
}

Result<void> Releases::update(const Release& release)
{
    auto statement = TRY(m_db.prepare("UPDATE releases SET sha = ?, directory = ?, file = ?, state = ?, ended_us = ?, "
                                      "error = ?, ref = ? WHERE id = ?"));
    statement.bind(1, release.sha).bind(2, release.directory).bind(3, release.file).bind(4, release.state);
    statement.bind(5, release.ended_us);
    statement.bind(6, release.error).bind(7, release.ref).bind(8, release.id);
    return statement.run();
}

Result<void> Releases::make_live(std::int64_t id, std::int64_t now_us)
{
    auto transaction = TRY(Transaction::begin(m_db));
    auto demote = TRY(m_db.prepare("UPDATE releases SET state = 'previous' WHERE state = 'live' AND id != ?"));
    demote.bind(1, id);
    TRY(demote.run());
    auto promote = TRY(m_db.prepare(
        "UPDATE releases SET state = 'live', live_us = ?1, ended_us = COALESCE(ended_us, ?1) WHERE id = ?2"));
    promote.bind(1, now_us).bind(2, id);
    TRY(promote.run());
    return transaction.commit();
}

Result<void> Releases::mark_removed(std::int64_t id)
{
    auto statement = TRY(m_db.prepare("UPDATE releases SET removed = 1 WHERE id = ?"));
    statement.bind(1, id);
    return statement.run();
}

Result<std::int64_t> Releases::next_id()
{
    auto select = TRY(m_db.prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM releases"));
    TRY(select.step());
    return select.column_int(0);
}

Result<std::optional<Release>> Releases::live()
{
    auto select
        = TRY(m_db.prepare(std::string("SELECT ") + columns + " FROM releases WHERE state = 'live' ORDER BY id DESC"));
    return first(select);
}

Result<std::optional<Release>> Releases::find(std::int64_t id)
{
    auto select = TRY(m_db.prepare(std::string("SELECT ") + columns + " FROM releases WHERE id = ?"));
    select.bind(1, id);
    return first(select);
}

Result<std::vector<Release>> Releases::list(std::size_t limit)
{
    auto select = TRY(m_db.prepare(std::string("SELECT ") + columns + " FROM releases ORDER BY id DESC LIMIT ?"));
    select.bind(1, static_cast<std::int64_t>(limit));
    std::vector<Release> out;
    while (TRY(select.step()))
        out.push_back(read_release(select));
    return out;
}

Result<std::vector<Release>> Releases::fail_unfinished(std::int64_t now_us)
{
    auto transaction = TRY(Transaction::begin(m_db));
    auto select = TRY(m_db.prepare(
        std::string("SELECT ") + columns + " FROM releases WHERE state IN ('building', 'ready') ORDER BY id"));
    std::vector<Release> out;
    while (TRY(select.step()))
        out.push_back(read_release(select));
    const char* why = "interrupted: the daemon stopped during the deploy";
    auto update = TRY(m_db.prepare("UPDATE releases SET state = 'failed', ended_us = ?, error = ? "
                                   "WHERE state IN ('building', 'ready')"));
    update.bind(1, now_us).bind(2, why);
    TRY(update.run());
    auto steps = TRY(m_db.prepare("UPDATE release_steps SET outcome = 'failed', ended_us = ?, detail = ? "
                                  "WHERE outcome = 'running'"));
    steps.bind(1, now_us).bind(2, why);
    TRY(steps.run());
    TRY(transaction.commit());
    for (Release& release : out) {
        release.state = "failed";
        release.ended_us = now_us;
        release.error = why;
    }
    return out;
}

Result<std::int64_t> Releases::begin_step(
    std::int64_t release, std::string_view kind, std::string_view command, std::int64_t started_us)
{
    auto insert
        = TRY(m_db.prepare("INSERT INTO release_steps (release, kind, command, started_us) VALUES (?, ?, ?, ?)"));
    insert.bind(1, release).bind(2, kind).bind(3, command).bind(4, started_us);
    TRY(insert.run());
    return m_db.last_insert_id();
}

Result<void> Releases::end_step(
    std::int64_t step, std::string_view outcome, std::string_view detail, std::int64_t ended_us)
{
    auto update = TRY(m_db.prepare("UPDATE release_steps SET outcome = ?, detail = ?, ended_us = ? WHERE id = ?"));
    update.bind(1, outcome).bind(2, detail).bind(3, ended_us).bind(4, step);
    return update.run();
}

Result<std::vector<ReleaseStep>> Releases::steps(std::int64_t release)
{
    auto select = TRY(m_db.prepare("SELECT id, release, kind, command, started_us, ended_us, outcome, detail "
                                   "FROM release_steps WHERE release = ? ORDER BY id"));
    select.bind(1, release);
    std::vector<ReleaseStep> out;
    while (TRY(select.step())) {
        out.push_back(ReleaseStep{.id = select.column_int(0),
            .release = select.column_int(1),
            .kind = select.column_text(2),
            .command = select.column_text(3),
            .started_us = select.column_int(4),
            .ended_us = select.column_optional(5),
            .outcome = select.column_text(6),
            .detail = select.column_text(7)});
    }
    return out;
}

}  // namespace tend::store
