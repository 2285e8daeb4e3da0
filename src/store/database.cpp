#include "store/database.h"

#include <array>
#include <fmt/format.h>
#include <sqlite3.h>

#include "store/schema.h"

namespace tend::store {

Result<std::unique_ptr<Database>> Database::open(const std::string& path)
{
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(
        path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<Database> db(new Database(raw, path));
    if (rc != SQLITE_OK)
        return db->last_error("open");
    sqlite3_busy_timeout(raw, 5000);
    // WAL with synchronous=NORMAL: a killed daemon loses nothing that was
    // committed (the WAL is in the page cache); only a power cut may lose the
    // last transactions, and never corrupts the file.
    TRY(db->execute("PRAGMA journal_mode=WAL"));
    TRY(db->execute("PRAGMA synchronous=NORMAL"));
    TRY(db->execute("PRAGMA foreign_keys=ON"));
    TRY(db->migrate());
    return db;
}

Database::~Database()
{
    for (auto& [sql, cached] : m_cache)
        sqlite3_finalize(cached.statement);
    sqlite3_close_v2(m_db);
}

void Database::release(sqlite3_stmt* statement)
{
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    for (auto& [sql, cached] : m_cache) {
        if (cached.statement == statement) {
            cached.in_use = false;
            return;
        }
    }
}

std::int64_t Database::last_insert_id() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const
{
    return sqlite3_changes(m_db);
}

Error Database::last_error(std::string_view what) const
{
    const char* message = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
    return Error(fmt::format("{}: {}: {}", m_path, what, message));
}

Result<void> Database::execute(std::string_view sql)
{
    char* message = nullptr;
    std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        Error error(fmt::format("{}: {}", m_path, message != nullptr ? message : "error"));
        sqlite3_free(message);
        return error;
    }
    return Ok{};
}

Result<Statement> Database::prepare(std::string_view sql)
{
    auto found = m_cache.find(sql);
    if (found != m_cache.end() && !found->second.in_use) {
        found->second.in_use = true;
        return Statement(*this, found->second.statement, true);
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK)
        return last_error("prepare");
    if (found == m_cache.end() && m_cache.size() < cache_limit) {
        m_cache.emplace(std::string(sql), Cached{.statement = statement, .in_use = true});
        return Statement(*this, statement, true);
    }
    return Statement(*this, statement);
}

Result<std::string> Database::query_plan(std::string_view sql)
{
    auto explain = TRY(prepare("EXPLAIN QUERY PLAN " + std::string(sql)));
    std::string plan;
    while (TRY(explain.step()))
        plan += explain.column_text(3) + "\n";
    return plan;
}

Result<void> Database::migrate()
{
    {
        // Finished before migrating: a statement still stepping locks tables a migration may drop.
        auto version = TRY(prepare("PRAGMA user_version"));
        if (TRY(version.step()))
            m_version = static_cast<int>(version.column_int(0));
    }
    std::span<const Migration> all = migrations();
    if (m_version > static_cast<int>(all.size()))
        return Error(fmt::format(
            "{}: schema version {} is newer than this tend understands ({})", m_path, m_version, all.size()));
    for (auto index = static_cast<std::size_t>(m_version); index < all.size(); ++index) {
        auto transaction = TRY(Transaction::begin(*this));
        TRY(execute(all[index].sql));
        TRY(execute(fmt::format("PRAGMA user_version={}", index + 1)));
        TRY(transaction.commit());
        m_version = static_cast<int>(index + 1);
    }
    return Ok{};
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db)
    , m_statement(std::exchange(other.m_statement, nullptr))
    , m_cached(other.m_cached)
{}

Statement::~Statement()
{
    if (m_statement == nullptr)
        return;
    if (m_cached)
        m_db->release(m_statement);
    else
        sqlite3_finalize(m_statement);
}

Statement& Statement::bind(int position, std::int64_t value)
{
    sqlite3_bind_int64(m_statement, position, value);
    return *this;
}

Statement& Statement::bind(int position, std::string_view value)
{
    sqlite3_bind_text(m_statement, position, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_null(int position)
{
    sqlite3_bind_null(m_statement, position);
    return *this;
}

Result<bool> Statement::step()
{
    int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    Error error = m_db->last_error("step");
    sqlite3_reset(m_statement);
    return error;
}

Result<void> Statement::run()
{
    while (TRY(step())) {}
    reset();
    return Ok{};
}

void Statement::reset()
{
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

std::int64_t Statement::column_int(int index) const
{
    return sqlite3_column_int64(m_statement, index);
}

std::string Statement::column_text(int index) const
{
    const unsigned char* text = sqlite3_column_text(m_statement, index);
    return text != nullptr ? std::string(reinterpret_cast<const char*>(text)) : std::string();  // NOLINT
}

bool Statement::column_is_null(int index) const
{
    return sqlite3_column_type(m_statement, index) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::column_optional(int index) const
{
    if (column_is_null(index))
        return std::nullopt;
    return column_int(index);
}

Result<Transaction> Transaction::begin(Database& db)
{
    TRY(db.execute("BEGIN IMMEDIATE"));
    return Transaction(db);
}

Transaction::~Transaction()
{
    if (m_db != nullptr)
        (void)m_db->execute("ROLLBACK");
}

Result<void> Transaction::commit()
{
    TRY(m_db->execute("COMMIT"));
    m_db = nullptr;
    return Ok{};
}

}  // namespace tend::store
