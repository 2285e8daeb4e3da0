#include "logs/reader.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fmt/format.h>
#include <memory>
#include <zlib.h>

#include "logs/format.h"
#include "os/events.h"
#include "os/files.h"

namespace tend::logs {
namespace {

// Lines of one file, plain or gzip (zlib reads both transparently).
class LineSource {
public:
    explicit LineSource(const std::string& path) : m_file(gzopen(path.c_str(), "rb")) {}
    ~LineSource()
    {
        if (m_file != nullptr)
            gzclose(m_file);
    }
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;

    [[nodiscard]] bool valid() const { return m_file != nullptr; }

    bool next(std::string& line)
    {
        line.clear();
        char buffer[65536];
        while (gzgets(m_file, buffer, sizeof buffer) != nullptr) {
            line += buffer;
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
                return true;
            }
        }
        return !line.empty();
    }

    [[nodiscard]] bool compressed() const { return gzdirect(m_file) == 0; }
    void seek(z_off_t offset) { gzseek(m_file, offset, SEEK_SET); }

private:
    gzFile m_file;
};

std::optional<std::int64_t> stamp_at(const std::string& path, std::int64_t offset)
{
    LineSource source(path);
    if (!source.valid())
        return std::nullopt;
    source.seek(static_cast<z_off_t>(offset));
    std::string line;
    if (offset > 0 && !source.next(line))  // the rest of the line we landed in
        return std::nullopt;
    while (source.next(line)) {
        if (auto record = parse_record(line))
            return parse_stamp(record->stamp);
    }
    return std::nullopt;
}

// The offset of a line at or before the first record stamped >= since, found
// by bisecting the file (records are appended in time order).
std::int64_t seek_offset(const std::string& path, std::int64_t since)
{
    auto info = os::file_info(path);
    if (!info)
        return 0;
    std::int64_t low = 0;
    auto high = static_cast<std::int64_t>(info->size);
    while (high - low > 65536) {
        std::int64_t middle = low + (high - low) / 2;
        auto stamp = stamp_at(path, middle);
        if (stamp && *stamp < since)
            low = middle;
        else
            high = middle;
    }
    return low;
}

// Rotated files are named NAME.log-YYYYMMDDTHHMMSS.ffffffZ[.gz]: the time the
// file stopped growing. A file rotated before `since` holds nothing newer.
std::optional<std::int64_t> rotated_at(const std::string& path)
{
    std::size_t dash = path.rfind(".log-");
    if (dash == std::string::npos)
        return std::nullopt;
    std::string compact = path.substr(dash + 5, 23);
    if (compact.size() < 23)
        return std::nullopt;
    std::string stamp = fmt::format("{}-{}-{}T{}:{}:{}", compact.substr(0, 4), compact.substr(4, 2),
        compact.substr(6, 2), compact.substr(9, 2), compact.substr(11, 2), compact.substr(13, 10));
    return parse_stamp(stamp);
}

LogLine to_line(std::string text, const Record& record)
{
    LogLine line{.stamp = std::string(record.stamp),
        .instance = std::string(record.instance),
        .stream = std::string(record.stream),
        .text = std::string(record.text)};
    line.line = std::move(text);
    return line;
}

// Reads one group's records in order, from `since` on.
class GroupCursor {
public:
    GroupCursor(std::vector<std::string> files, std::optional<std::int64_t> since)
        : m_files(std::move(files))
        , m_since(since)
    {}

    // The next record, or nullopt at the end of the last file.
    std::optional<LogLine> next()
    {
        std::string text;
        while (true) {
            if (!m_source && !open_next())
                return std::nullopt;
            if (!m_source->next(text)) {
                m_source.reset();
                continue;
            }
            auto record = parse_record(text);
            if (!record)
                continue;
            if (m_since) {
                auto stamp = parse_stamp(record->stamp);
                if (stamp && *stamp < *m_since)
                    continue;
            }
            return to_line(std::move(text), *record);
        }
    }

private:
    bool open_next()
    {
        while (m_index < m_files.size()) {
            const std::string& path = m_files[m_index++];
            if (m_since) {
                auto rotated = rotated_at(path);
                if (rotated && *rotated < *m_since)
                    continue;
            }
            m_source = std::make_unique<LineSource>(path);
            if (!m_source->valid()) {
                m_source.reset();
                continue;
            }
            if (m_since && !m_source->compressed()) {
                std::int64_t offset = seek_offset(path, *m_since);
                if (offset > 0) {
                    m_source->seek(static_cast<z_off_t>(offset));
                    std::string partial;
                    m_source->next(partial);
                }
            }
            return true;
        }
        return false;
    }

    std::vector<std::string> m_files;
    std::optional<std::int64_t> m_since;
    std::size_t m_index = 0;
    std::unique_ptr<LineSource> m_source;
};

}  // namespace

std::vector<std::string> files_of(const std::string& directory, const std::string& group)
{
    std::vector<std::string> paths;
    if (auto rotated = os::list_files(directory, group + ".log-")) {
        for (const auto& entry : *rotated)
            paths.push_back(directory + "/" + entry.name);
    }
    std::string current = fmt::format("{}/{}.log", directory, group);
    if (os::exists(current))
        paths.push_back(current);
    return paths;
}

std::vector<std::string> groups_in(const std::string& directory)
{
    std::vector<std::string> groups;
    auto files = os::list_files(directory, "");
    if (!files)
        return groups;
    for (const auto& entry : *files) {
        std::size_t at = entry.name.find(".log");
        if (at == std::string::npos || entry.name.starts_with("@"))
            continue;
        std::string name = entry.name.substr(0, at);
        if (std::find(groups.begin(), groups.end(), name) == groups.end())
            groups.push_back(name);
    }
    return groups;
}

bool names_instance(std::string_view name, std::string_view instance)
{
    return instance.starts_with(name) && (instance.size() == name.size() || instance[name.size()] == '.');
}

bool matches(const LogQuery& query, const LogLine& line)
{
    if (!query.instance.empty() && !names_instance(query.instance, line.instance))
        return false;
    if (query.grep && !query.grep->search(line.text))
        return false;
    return true;
}

Result<void> read_logs(
    const std::string& directory, const LogQuery& query, const std::function<void(const LogLine&)>& emit)
{
    std::vector<std::string> groups = query.groups.empty() ? groups_in(directory) : query.groups;
    std::vector<GroupCursor> cursors;
    std::vector<std::optional<LogLine>> heads;
    for (const std::string& group : groups) {
        cursors.emplace_back(files_of(directory, group), query.since);
        heads.push_back(cursors.back().next());
    }
    std::deque<LogLine> last;
    while (true) {
        // The earliest head next: ISO stamps compare as strings.
        std::optional<std::size_t> pick;
        for (std::size_t i = 0; i < heads.size(); ++i) {
            if (heads[i] && (!pick || heads[i]->stamp < heads[*pick]->stamp))
                pick = i;
        }
        if (!pick)
            break;
        LogLine line = std::move(*heads[*pick]);
        heads[*pick] = cursors[*pick].next();
        if (query.until) {
            auto stamp = parse_stamp(line.stamp);
            if (stamp && *stamp >= *query.until)
                continue;
        }
        if (!matches(query, line))
            continue;
        if (query.last) {
            last.push_back(std::move(line));
            if (last.size() > *query.last)
                last.pop_front();
        } else {
            emit(line);
        }
    }
    for (const LogLine& line : last)
        emit(line);
    return Ok{};
}

Result<void> follow_logs(
    const std::string& directory, const LogQuery& query, const std::function<void(const LogLine&)>& emit)
{
    auto inotify = TRY(os::make_inotify());
    TRY(os::watch_directory(inotify.get(), directory));
    std::vector<std::string> groups = query.groups.empty() ? groups_in(directory) : query.groups;
    struct Followed {
        std::string group;
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, std::fclose};
        os::FileIdentity identity;
        std::string unfinished;
    };
    std::vector<Followed> followed;
    auto open_current = [&](Followed& entry, bool at_end) {
        std::string path = fmt::format("{}/{}.log", directory, entry.group);
        entry.file.reset(std::fopen(path.c_str(), "rb"));
        if (!entry.file)
            return;
        if (at_end)
            std::fseek(entry.file.get(), 0, SEEK_END);
        if (auto identity = os::identity_of(fileno(entry.file.get())))
            entry.identity = *identity;
    };
    auto drain = [&](Followed& entry) {
        if (!entry.file)
            return;
        char buffer[65536];
        std::vector<LogLine> lines;
        std::clearerr(entry.file.get());
        while (std::fgets(buffer, sizeof buffer, entry.file.get()) != nullptr) {
            entry.unfinished += buffer;
            if (entry.unfinished.back() != '\n')
                continue;
            entry.unfinished.pop_back();
            if (auto record = parse_record(entry.unfinished)) {
                LogLine line = to_line(entry.unfinished, *record);
                if (matches(query, line))
                    emit(line);
            }
            entry.unfinished.clear();
        }
    };
    for (const std::string& group : groups) {
        followed.push_back(Followed{.group = group});
        open_current(followed.back(), true);
    }
    while (true) {
        auto events = TRY(os::read_inotify(inotify.get()));
        for (Followed& entry : followed) {
            drain(entry);
            // Rotated or recreated: finish the old file, then move to the new one.
            auto on_disk = os::identity_of(fmt::format("{}/{}.log", directory, entry.group));
            if (on_disk && (!entry.file || !(*on_disk == entry.identity))) {
                open_current(entry, false);
                drain(entry);
            }
        }
    }
}

}  // namespace tend::logs
