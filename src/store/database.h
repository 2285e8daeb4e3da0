// SQLite, wrapped: one connection in WAL mode, prepared statements, and the
// schema migrations. The daemon has exactly one writer, on the event loop.
//
// Persists: everything in tend.db. The schema is documented in docs/store.md;
// each migration is applied once, in order, inside a transaction, and
// PRAGMA user_version records how far the file has come.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tend::store {

class Statement;

class Database {
public:
    // Opens or creates the file, enables WAL and foreign keys, and migrates.
    // Fails with a message naming the file (e.g. "tend.db: database or disk is full").
    static Result<std::unique_ptr<Database>> open(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Result<void> execute(std::string_view sql);
    // Prepared statements are cached by their SQL text (parsing costs more than
    // running the small statements tend uses); a statement in use is never
    // handed out twice: a second user gets a fresh one.
    Result<Statement> prepare(std::string_view sql);

    // SQLite's plan for a statement (EXPLAIN QUERY PLAN), one step per line,
    // e.g. "SEARCH items USING INDEX items_queue (job=?)": for tests that an
    // index serves a query.
    Result<std::string> query_plan(std::string_view sql);

    // Of the last INSERT and of the last statement, on this connection.
    [[nodiscard]] std::int64_t last_insert_id() const;
    [[nodiscard]] int changes() const;

    [[nodiscard]] int schema_version() const { return m_version; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] sqlite3* handle() const { return m_db; }
    [[nodiscard]] Error last_error(std::string_view what) const;

private:
    friend class Statement;
    Database(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}
    Result<void> migrate();
    void release(sqlite3_stmt* statement);

    struct Cached {
        sqlite3_stmt* statement = nullptr;
        bool in_use = false;
    };
    static constexpr std::size_t cache_limit = 128;

    sqlite3* m_db;
    std::string m_path;
    std::map<std::string, Cached, std::less<>> m_cache;
    int m_version = 0;
};

// A prepared statement. bind() uses 1-based positions; step() returns true
// while rows remain.
class Statement {
public:
    Statement(Database& db, sqlite3_stmt* statement, bool cached = false)
        : m_db(&db)
        , m_statement(statement)
        , m_cached(cached)
    {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int position, std::int64_t value);
    Statement& bind(int position, std::string_view value);
    Statement& bind_null(int position);
    // An integer, or NULL when there is none.
    template <typename T>
    Statement& bind(int position, const std::optional<T>& value)
    {
        return value ? bind(position, static_cast<std::int64_t>(*value)) : bind_null(position);
    }
    Result<bool> step();
    Result<void> run();  // step to completion, expecting no rows
    void reset();

    [[nodiscard]] std::int64_t column_int(int index) const;
    [[nodiscard]] std::string column_text(int index) const;
    [[nodiscard]] bool column_is_null(int index) const;
    [[nodiscard]] std::optional<std::int64_t> column_optional(int index) const;

private:
    Database* m_db;
    sqlite3_stmt* m_statement;
    bool m_cached = false;  // owned by the database's cache: reset, not finalized
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() succeeded.
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Result<void> commit();

private:
    explicit Transaction(Database& db) : m_db(&db) {}
    Database* m_db;
};

}  // namespace tend::store
