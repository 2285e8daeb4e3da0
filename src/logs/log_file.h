// One group's log file, LOG_DIR/NAME.log, with rotation and retention.
//
// Rotation renames the file to NAME.log-YYYYMMDDTHHMMSSZ (so names sort in
// time order), starts a new one, and compresses the old one with gzip in a
// child process; nothing ever touches the app. Retention deletes the oldest
// rotated files past `keep` files or `max_total` bytes. When a write fails
// (disk full), records are dropped and counted, and once writing works again
// one record says how many bytes and lines were lost, and since when. A file
// deleted or moved away under tend is noticed on the next tick and recreated.
// Retention holds even when the directory cannot be listed (out of
// descriptors): the file remembers the rotations it made, and stat and unlink
// need no descriptor. With Repeats::Fold (tend's own log), a record that
// repeats the one before is counted instead of written, and one record then
// says how many times it was repeated, as syslog does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/time.h"
#include "logs/format.h"
#include "loop/loop.h"
#include "os/fd.h"

namespace tend::logs {

struct RotationPolicy {
    std::uint64_t max_size = 10ULL << 20U;  // rotate past this many bytes
    std::chrono::milliseconds max_age = std::chrono::hours(24);  // rotate a non-empty file this old
    int keep = 10;  // rotated files kept
    std::uint64_t max_total = 100ULL << 20U;  // bytes of rotated files kept
    bool compress = true;  // gzip rotated files
    bool operator==(const RotationPolicy&) const = default;
};

enum class Repeats { Write, Fold };

class LogFile {
public:
    LogFile(Loop& loop, std::string directory, std::string name, RotationPolicy policy);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    // Opens (creating) the file. Fails naming the path.
    Result<void> open();

    // Appends complete records (`lines` of them). Never blocks for long and
    // never fails: on error the records are dropped and counted.
    void append(std::string_view records, std::size_t lines);

    // Appends one record of tend's own (stream `tend`) for `instance`.
    void note(std::string_view instance, std::string_view text);

    // Age rotation, a deleted file, and retrying after drops.
    void tick();

    void set_policy(const RotationPolicy& policy) { m_policy = policy; }
    void set_repeats(Repeats repeats) { m_repeats = repeats; }
    // Sees every batch of records appended (written or dropped), e.g. to keep the last lines of a step.
    void set_tap(std::function<void(std::string_view records)> tap) { m_tap = std::move(tap); }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] std::uint64_t dropped_bytes() const { return m_dropped_bytes; }

private:
    void write_records(std::string_view records, std::size_t lines);
    void append_folded(std::string_view records);
    void report_repeats();
    bool write_out(std::string_view data);
    void report_drops_if_any();
    void rotate();
    void compress_next();
    void enforce_retention();

    Loop& m_loop;
    std::string m_directory;
    std::string m_name;
    std::string m_path;
    RotationPolicy m_policy;
    os::UniqueFd m_fd;
    std::uint64_t m_size = 0;
    MonoTime m_opened{};
    Stamper m_stamper;

    std::uint64_t m_dropped_bytes = 0;
    std::uint64_t m_dropped_lines = 0;
    std::string m_dropped_since;
    std::string m_last_error;
    bool m_cut_short = false;  // the last write stopped inside a record

    Repeats m_repeats = Repeats::Write;
    std::string m_last_record;  // instance, stream and text of the last record written (Repeats::Fold)
    std::uint64_t m_repeated = 0;  // times it came again since
    MonoTime m_repeated_since{};

    std::vector<std::string> m_rotated;  // rotations made or last listed, oldest first, without ".gz"
    std::vector<std::string> m_to_compress;
    pid_t m_compressor = 0;
    std::string m_compressing;
    std::shared_ptr<LogFile*> m_self;
    std::function<void(std::string_view)> m_tap;
};

}  // namespace tend::logs
