#include "store/runs.h"

#include <algorithm>

namespace tend::store {
namespace {

constexpr const char* columns
    = "id, job, nominal_us, trigger, attempt, state, created_us, started_us, ended_us, exit_code, signal, error";

std::optional<int> to_int(std::optional<std::int64_t> value)
{
    return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

Run read_run(const Statement& row)
{
    return Run{
        .id = row.column_int(0),
        .job = row.column_text(1),
        .nominal_us = row.column_optional(2),
        .trigger = row.column_text(3),
        .attempt = static_cast<int>(row.column_int(4)),
        .state = row.column_text(5),
        .created_us = row.column_int(6),
        .started_us = row.column_optional(7),
        .ended_us = row.column_optional(8),
        .exit_code = to_int(row.column_optional(9)),
        .signal = to_int(row.column_optional(10)),
        .error = row.column_text(11),
    };
}

}  // namespace

bool Run::failed() const
{
    return state == "failed" || state == "timed-out" || state == "interrupted";
}

Result<std::int64_t> Runs::insert(const Run& run)
{
    auto statement = TRY(m_db.prepare("INSERT INTO runs (job, nominal_us, trigger, attempt, state, created_us, "
                                      "started_us, ended_us, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    statement.bind(1, run.job);
    statement.bind(2, run.nominal_us);
    statement.bind(3, run.trigger).bind(4, run.attempt).bind(5, run.state).bind(6, run.created_us);
    statement.bind(7, run.started_us);
    statement.bind(8, run.ended_us);
    statement.bind(9, run.error);
    TRY(statement.run());
    return m_db.last_insert_id();
}

Result<std::optional<std::int64_t>> Runs::claim_fire(const Run& run)
{
    auto transaction = TRY(Transaction::begin(m_db));
    auto claim = TRY(m_db.prepare("INSERT OR IGNORE INTO fires (job, nominal_us, claimed_us) VALUES (?, ?, ?)"));
    claim.bind(1, run.job).bind(2, run.nominal_us.value_or(0)).bind(3, run.created_us);
    TRY(claim.run());
    if (m_db.changes() == 0)
        return std::optional<std::int64_t>();
    std::int64_t id = TRY(insert(run));
    TRY(transaction.commit());
    return std::optional<std::int64_t>(id);
}

Result<bool> Runs::mark_started(std::int64_t id, std::int64_t started_us)
{
    auto statement
        = TRY(m_db.prepare("UPDATE runs SET state = 'running', started_us = ? WHERE id = ? AND state = 'queued'"));
    statement.bind(1, started_us).bind(2, id);
    TRY(statement.run());
    return m_db.changes() == 1;
}

Result<void> Runs::finish(const Run& run)
{
    auto statement = TRY(m_db.prepare(
        "UPDATE runs SET state = ?, ended_us = ?, exit_code = ?, signal = ?, error = ?, started_us = ? WHERE id = ?"));
    statement.bind(1, run.state);
    statement.bind(2, run.ended_us);
    statement.bind(3, run.exit_code);
    statement.bind(4, run.signal);
    statement.bind(5, run.error);
    statement.bind(6, run.started_us);
    statement.bind(7, run.id);
    return statement.run();
}

Result<std::optional<std::int64_t>> Runs::last_fire(const std::string& job)
{
    auto select = TRY(m_db.prepare("SELECT MAX(nominal_us) FROM fires WHERE job = ?"));
    select.bind(1, job);
    if (TRY(select.step()) && !select.column_is_null(0))
        return std::optional<std::int64_t>(select.column_int(0));
    return std::optional<std::int64_t>();
}

Result<std::vector<Run>> Runs::waiting()
{
    auto select = TRY(m_db.prepare(std::string("SELECT ") + columns + " FROM runs WHERE state = 'queued' ORDER BY id"));
    std::vector<Run> out;
    while (TRY(select.step()))
        out.push_back(read_run(select));
    return out;
}

Result<std::vector<Run>> Runs::interrupt_running(std::int64_t now_us)
{
    auto select
        = TRY(m_db.prepare(std::string("SELECT ") + columns + " FROM runs WHERE state = 'running' ORDER BY id"));
    std::vector<Run> out;
    while (TRY(select.step()))
        out.push_back(read_run(select));
    auto update = TRY(m_db.prepare("UPDATE runs SET state = 'interrupted', ended_us = ?, error = "
                                   "'the daemon stopped during the run' WHERE state = 'running'"));
    update.bind(1, now_us);
    TRY(update.run());
    for (Run& run : out) {
        run.state = "interrupted";
        run.ended_us = now_us;
    }
    return out;
}

Result<std::vector<Run>> Runs::query(const RunQuery& query)
{
    std::string sql = std::string("SELECT ") + columns
        + " FROM runs WHERE (?1 = '' OR job = ?1) AND (?2 = 0 OR state IN ('failed', 'timed-out', 'interrupted')) "
          "ORDER BY id DESC LIMIT ?3";
    auto select = TRY(m_db.prepare(sql));
    select.bind(1, query.job).bind(2, query.failed_only ? 1 : 0).bind(3, static_cast<std::int64_t>(query.limit));
    std::vector<Run> out;
    while (TRY(select.step()))
        out.push_back(read_run(select));
    std::reverse(out.begin(), out.end());
    return out;
}

Result<std::optional<Run>> Runs::last_finished(const std::string& job)
{
    auto select = TRY(m_db.prepare(std::string("SELECT ") + columns
        + " FROM runs WHERE job = ? AND ended_us IS NOT NULL AND state != 'skipped' ORDER BY id DESC LIMIT 1"));
    select.bind(1, job);
    if (TRY(select.step()))
        return std::optional<Run>(read_run(select));
    return std::optional<Run>();
}

}  // namespace tend::store
