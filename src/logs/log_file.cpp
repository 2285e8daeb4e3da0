#include "logs/log_file.h"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "base/units.h"

#include "os/files.h"
#include "os/process.h"
#include "os/spawn.h"

namespace tend::logs {
namespace {

// Records go to the file in writes of at most this size. A larger write lets
// the kernel put it in larger page-cache folios; on a virtual machine whose
// host takes back freed guest memory, those come from memory the host must
// fault in again. With 768 KiB writes the log benchmark's runs there ranged
// from 0.33 s to 1.5 s; with 192 KiB writes all but a first, cold run held at
// 0.37-0.47 s.
constexpr std::size_t max_write = std::size_t{192} * 1024;

}  // namespace

LogFile::LogFile(Loop& loop, std::string directory, std::string name, RotationPolicy policy)
    : m_loop(loop)
    , m_directory(std::move(directory))
    , m_name(std::move(name))
    , m_path(fmt::format("{}/{}.log", m_directory, m_name))
    , m_policy(policy)
    , m_self(std::make_shared<LogFile*>(this))
{}

LogFile::~LogFile()
{
    if (m_compressor > 0)
        m_loop.unwatch_child(m_compressor);
}

Result<void> LogFile::open()
{
    auto fd = TRY(os::open_append(m_path));
    auto identity = TRY(os::identity_of(fd.get()));
    m_fd = std::move(fd);
    m_size = identity.size;
    m_opened = m_loop.now();
    return Ok{};
}

void LogFile::append(std::string_view records, std::size_t lines)
{
    if (m_repeats == Repeats::Fold)
        append_folded(records);
    else
        write_records(records, lines);
}

void LogFile::write_records(std::string_view records, std::size_t lines)
{
    if (m_tap)
        m_tap(records);
    if (m_dropped_bytes > 0)
        report_drops_if_any();
    if (m_dropped_bytes > 0 || !write_out(records)) {
        if (m_dropped_bytes == 0)
            m_dropped_since = format_wall_time(m_loop.clock().wall_now());
        m_dropped_bytes += records.size();
        m_dropped_lines += lines;
        return;
    }
    if (m_size >= m_policy.max_size)
        rotate();
}

// Writes the records that do not repeat the one before them. A record's stamp
// differs each time; what repeats is its instance, stream and text.
void LogFile::append_folded(std::string_view records)
{
    std::string fresh;
    std::size_t fresh_lines = 0;
    while (!records.empty()) {
        std::size_t end = records.find('\n');
        std::string_view line = records.substr(0, end);
        records = end == std::string_view::npos ? std::string_view() : records.substr(end + 1);
        if (line.empty())
            continue;
        auto record = parse_record(line);
        std::string_view content = record ? std::string_view(line).substr(record->stamp.size()) : line;
        if (content == m_last_record) {
            if (m_repeated++ == 0)
                m_repeated_since = m_loop.now();
            continue;
        }
        if (m_repeated > 0) {
            write_records(fresh, fresh_lines);
            report_repeats();
            fresh.clear();
            fresh_lines = 0;
        }
        m_last_record = content;
        fresh.append(line);
        fresh += '\n';
        ++fresh_lines;
    }
    if (fresh_lines > 0)
        write_records(fresh, fresh_lines);
}

void LogFile::report_repeats()
{
    if (m_repeated == 0)
        return;
    std::string record;
    m_stamper.prefix(record, m_loop.clock().wall_now(), m_name, Stream::Tend, false);
    record += fmt::format("the record before was repeated {} more time(s) in {}", m_repeated,
        format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(m_loop.now() - m_repeated_since)));
    record += '\n';
    m_repeated = 0;
    m_last_record.clear();
    write_records(record, 1);
}

void LogFile::note(std::string_view instance, std::string_view text)
{
    std::string record;
    m_stamper.prefix(record, m_loop.clock().wall_now(), instance, Stream::Tend, false);
    append_escaped(record, text);
    record += '\n';
    append(record, 1);
}

bool LogFile::write_out(std::string_view data)
{
    if (!m_fd.valid() && !open())
        return false;
    // A record cut short by a failed write is ended before anything else is written.
    std::string joined;
    if (m_cut_short) {
        joined = "\n";
        joined.append(data);
        data = joined;
    }
    std::size_t done = 0;
    Result<void> written = Ok{};
    while (done < data.size()) {
        auto n = os::write_some(m_fd.get(), data.substr(done, max_write));
        if (!n || *n == 0) {
            written = n ? Error("write made no progress") : n.error();
            break;
        }
        done += *n;
    }
    if (done > 0)
        m_cut_short = done < data.size();
    if (!written) {
        if (written.error().message() != m_last_error) {
            m_last_error = written.error().message();
            std::fprintf(stderr, "tend: cannot write %s (dropping lines until it works again): %s\n", m_path.c_str(),
                m_last_error.c_str());
        }
        return false;
    }
    m_last_error.clear();
    m_cut_short = false;
    m_size += data.size();
    return true;
}

void LogFile::report_drops_if_any()
{
    std::string record;
    m_stamper.prefix(record, m_loop.clock().wall_now(), m_name, Stream::Tend, false);
    record += fmt::format("dropped {} bytes ({} lines) since {}: the log could not be written", m_dropped_bytes,
        m_dropped_lines, m_dropped_since);
    record += '\n';
    if (write_out(record)) {
        m_dropped_bytes = 0;
        m_dropped_lines = 0;
    }
}

void LogFile::tick()
{
    if (m_dropped_bytes > 0)
        report_drops_if_any();
    if (m_repeated > 0)
        report_repeats();
    // Deleted or moved away under us: start a new file where people look.
    auto on_disk = os::identity_of(m_path);
    auto open_file = m_fd.valid() ? os::identity_of(m_fd.get()) : Result<os::FileIdentity>(Error("closed"));
    if (!on_disk || !open_file || !(*on_disk == *open_file)) {
        m_fd.reset();
        (void)open();
        return;
    }
    if (m_size > 0 && m_loop.now() - m_opened >= m_policy.max_age)
        rotate();
}

void LogFile::rotate()
{
    std::string stamp = format_wall_time(m_loop.clock().wall_now());
    // "2026-11-22T03:04:05.123456Z" -> "20261122T030405.123456Z": sorts in time order.
    std::string compact;
    for (char c : stamp) {
        if (c != '-' && c != ':')
            compact += c;
    }
    std::string rotated = fmt::format("{}-{}", m_path, compact);
    if (auto renamed = os::rename_file(m_path, rotated); !renamed) {
        std::fprintf(stderr, "tend: cannot rotate %s: %s\n", m_path.c_str(), renamed.error().message().c_str());
        return;
    }
    m_fd.reset();
    (void)open();
    m_rotated.push_back(rotated);
    if (m_policy.compress)
        m_to_compress.push_back(rotated);
    compress_next();
    enforce_retention();
}

void LogFile::compress_next()
{
    if (m_compressor > 0 || m_to_compress.empty())
        return;
    std::string file = m_to_compress.front();
    m_to_compress.erase(m_to_compress.begin());
    // gzip runs as a child so the loop never spends time compressing.
    auto pid = os::spawn({.argv = {"gzip", "-q", "-f", "--", file}, .env = {"PATH=/usr/bin:/bin"}});
    if (!pid) {
        std::fprintf(stderr, "tend: cannot compress %s: %s\n", file.c_str(), pid.error().message().c_str());
        return;
    }
    m_compressor = *pid;
    m_compressing = file;
    m_loop.watch_child(m_compressor, [weak = std::weak_ptr<LogFile*>(m_self)](const os::ExitStatus&) {
        if (auto self = weak.lock()) {
            (*self)->m_compressor = 0;
            (*self)->enforce_retention();
            (*self)->compress_next();
        }
    });
}

void LogFile::enforce_retention()
{
    // One rotation may briefly exist twice (NAME.log-T and NAME.log-T.gz while
    // gzip runs): count rotations, not files, and leave the one being compressed alone.
    struct Rotation {
        std::string base;
        std::uint64_t size = 0;
    };
    std::vector<Rotation> rotations;
    std::string compressing = m_compressor > 0 ? m_compressing : std::string();
    if (auto files = os::list_files(m_directory, m_name + ".log-")) {
        for (const auto& file : *files) {
            std::string base = file.name.ends_with(".gz") ? file.name.substr(0, file.name.size() - 3) : file.name;
            if (!rotations.empty() && rotations.back().base == base)
                rotations.back().size += file.size;
            else
                rotations.push_back({base, file.size});
        }
        m_rotated.clear();
        for (const auto& rotation : rotations)
            m_rotated.push_back(m_directory + "/" + rotation.base);
    } else {
        // The directory cannot be listed (out of descriptors, say): the
        // rotations this file made are known, and stat needs no descriptor.
        for (const std::string& path : m_rotated) {
            std::uint64_t size = 0;
            for (const std::string& file : {path, path + ".gz"}) {
                if (auto info = os::file_info(file))
                    size += info->size;
            }
            rotations.push_back({path.substr(m_directory.size() + 1), size});
        }
    }
    std::uint64_t total = 0;
    for (const auto& rotation : rotations)
        total += rotation.size;
    std::size_t count = rotations.size();
    for (const auto& rotation : rotations) {
        if (count <= static_cast<std::size_t>(m_policy.keep) && total <= m_policy.max_total)
            break;
        std::string path = m_directory + "/" + rotation.base;
        // Oldest first, always: while the oldest is being compressed, wait for
        // gzip (this runs again when it ends) rather than delete a newer one
        // and leave a gap in the middle of what is kept.
        if (path == compressing)
            break;
        std::erase(m_to_compress, path);
        std::erase(m_rotated, path);
        (void)os::remove_file(path);
        (void)os::remove_file(path + ".gz");
        --count;
        total -= rotation.size;
    }
}

}  // namespace tend::logs
