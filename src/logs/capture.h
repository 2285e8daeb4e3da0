// Capture of one instance's stdout and stderr: tend owns both pipes, reads
// them on the event loop as data arrives, stamps every line at read time and
// appends the records to the group's LogFile.
//
// Bounded: one 512 KiB read buffer (shared by all captures) and one
// unfinished line (max_line bytes) per stream are held. A line longer than
// max_line is written in pieces; an unfinished line is written as a piece
// after flush_delay. drain() reads whatever is in the pipes right now: the
// instance calls it when its process exits, so the last lines are in the file
// before the exit is recorded.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "logs/log_file.h"
#include "loop/loop.h"
#include "os/fd.h"

namespace tend::logs {

class Capture {
public:
    static constexpr std::size_t max_line = std::size_t{16} * 1024;
    static constexpr auto flush_delay = std::chrono::milliseconds(200);

    // With Source::Tend both pipes are recorded as stream `tend` (the daemon's own stderr).
    enum class Source { Process, Tend };
    Capture(Loop& loop, LogFile& file, std::string instance, Source source = Source::Process);
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;

    // Creates the pipes; returns the write ends' fds for the child's stdout and
    // stderr (Capture keeps them, so the pipes live across restarts).
    Result<std::pair<int, int>> open();
    void drain();

    // The last lines read (up to `count`, each at most `width` bytes, escaped
    // as in the log) of the stream written to last: what an error message
    // quotes when the process failed ("ModuleNotFoundError: ..."). Empty when
    // nothing was read. Call drain() first to include what is still in the pipes.
    [[nodiscard]] std::vector<std::string> last_lines(std::size_t count, std::size_t width = 300) const;
    // Starts last_lines() afresh: a new run of the process begins.
    void forget_last_lines();

private:
    struct Channel {
        Stream stream;
        os::UniqueFd read_end;
        os::UniqueFd write_end;
        std::string unfinished;
        TimerId flush_timer = 0;
        int capacity = 0;  // the pipe's buffer size
        bool grown = false;  // grown once, after it was found full
        std::string tail;  // the last bytes read, for last_lines()
        std::uint64_t last_read = 0;  // when it was read last, in reads of this capture
    };

    void read_available(Channel& channel, bool until_empty);
    void keep_tail(Channel& channel, std::string_view data);
    void consume(Channel& channel, std::string_view data, std::string& out, std::size_t& lines);
    // Whole printable lines from the front of data; returns what is left.
    std::string_view consume_plain(Channel& channel, std::string_view data, std::string& out, std::size_t& lines);
    void consume_general(Channel& channel, std::string_view data, std::string& out, std::size_t& lines);
    void emit(Channel& channel, std::string_view text, bool partial, std::string& out, std::size_t& lines);
    void flush_unfinished(Channel& channel);
    const std::string& line_prefix(Channel& channel, bool partial);

    Loop& m_loop;
    LogFile& m_file;
    std::string m_instance;
    std::array<Channel, 2> m_channels{Channel{Stream::Out}, Channel{Stream::Err}};
    std::uint64_t m_reads = 0;
    Stamper m_stamper;
    WallTime m_now;
    WallTime m_prefix_time;
    std::array<std::array<std::string, 2>, 2> m_prefixes;  // [channel][partial]
};

}  // namespace tend::logs
