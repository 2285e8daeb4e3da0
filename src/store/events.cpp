#include "store/events.h"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

namespace tend::store {

void EventLog::record(std::string subject, std::string kind, std::string detail)
{
    if (m_pending.size() >= max_pending) {
        m_pending.pop_front();
        ++m_dropped;
    }
    m_pending.push_back(Event{
        .time = m_loop.clock().wall_now(),
        .subject = std::move(subject),
        .kind = std::move(kind),
        .detail = std::move(detail),
    });
    if (!m_flush_scheduled) {
        m_flush_scheduled = true;
        m_loop.defer([this] {
            m_flush_scheduled = false;
            (void)flush();
        });
    }
}

Result<void> EventLog::flush()
{
    if (m_pending.empty())
        return Ok{};
    auto write = [&]() -> Result<void> {
        auto transaction = TRY(Transaction::begin(m_db));
        auto insert = TRY(m_db.prepare("INSERT INTO events (time_us, subject, kind, detail) VALUES (?, ?, ?, ?)"));
        for (const Event& event : m_pending) {
            insert.bind(1, to_micros(event.time)).bind(2, event.subject).bind(3, event.kind).bind(4, event.detail);
            TRY(insert.run());
        }
        if (m_dropped > 0) {
            insert.bind(1, to_micros(m_loop.clock().wall_now())).bind(2, "daemon").bind(3, "events-dropped");
            insert.bind(4, fmt::format("{} events could not be stored while the database was failing", m_dropped));
            TRY(insert.run());
        }
        return transaction.commit();
    };
    auto written = write();
    if (!written) {
        // Say so once per distinct failure, not once per event.
        if (written.error().message() != m_last_failure) {
            m_last_failure = written.error().message();
            std::fprintf(stderr, "tend: cannot store events (will retry): %s\n", m_last_failure.c_str());
        }
        return written;
    }
    if (!m_last_failure.empty())
        std::fprintf(stderr, "tend: storing events again\n");
    m_last_failure.clear();
    m_pending.clear();
    m_dropped = 0;
    return Ok{};
}

Result<std::vector<Event>> EventLog::query(const EventQuery& query)
{
    (void)flush();
    auto select = TRY(m_db.prepare("SELECT id, time_us, subject, kind, detail FROM events "
                                   "WHERE id > ?1 AND (?2 = '' OR subject = ?2 OR subject LIKE ?2 || '.%') "
                                   "ORDER BY id DESC LIMIT ?3"));
    select.bind(1, query.after_id).bind(2, query.subject).bind(3, static_cast<std::int64_t>(query.limit));
    std::vector<Event> events;
    while (TRY(select.step())) {
        events.push_back(Event{
            .id = select.column_int(0),
            .time = from_micros(select.column_int(1)),
            .subject = select.column_text(2),
            .kind = select.column_text(3),
            .detail = select.column_text(4),
        });
    }
    std::reverse(events.begin(), events.end());
    return events;
}

Result<void> LiveProcesses::add(const LiveProcess& process)
{
    auto insert = TRY(m_db.prepare("INSERT OR REPLACE INTO live_processes (run_id, name, pid, start_ticks, started_us) "
                                   "VALUES (?, ?, ?, ?, ?)"));
    insert.bind(1, process.run_id).bind(2, process.name).bind(3, process.pid).bind(4, process.start_ticks);
    insert.bind(5, process.started_us);
    return insert.run();
}

Result<void> LiveProcesses::remove(std::string_view run_id)
{
    auto erase = TRY(m_db.prepare("DELETE FROM live_processes WHERE run_id = ?"));
    erase.bind(1, run_id);
    return erase.run();
}

Result<std::vector<LiveProcess>> LiveProcesses::all()
{
    auto select = TRY(
        m_db.prepare("SELECT run_id, name, pid, start_ticks, started_us FROM live_processes ORDER BY started_us"));
    std::vector<LiveProcess> out;
    while (TRY(select.step())) {
        out.push_back(LiveProcess{
            .run_id = select.column_text(0),
            .name = select.column_text(1),
            .pid = select.column_int(2),
            .start_ticks = select.column_int(3),
            .started_us = select.column_int(4),
        });
    }
    return out;
}

Result<void> LiveProcesses::clear()
{
    return m_db.execute("DELETE FROM live_processes");
}

Result<void> Settings::set(std::string_view key, std::string_view value)
{
    auto upsert = TRY(m_db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"));
    upsert.bind(1, key).bind(2, value);
    return upsert.run();
}

Result<std::optional<std::string>> Settings::get(std::string_view key)
{
    auto select = TRY(m_db.prepare("SELECT value FROM settings WHERE key = ?"));
    select.bind(1, key);
    if (TRY(select.step()))
        return std::optional<std::string>(select.column_text(0));
    return std::optional<std::string>();
}

}  // namespace tend::store
