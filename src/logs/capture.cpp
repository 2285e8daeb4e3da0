#include "logs/capture.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <span>

#include "os/files.h"

namespace tend::logs {
namespace {

// Large reads: each read of a full pipe wakes its writer; against 128 KiB
// reads, 512 KiB ones took the log benchmark from a median 0.51 s to 0.42 s
// (10 interleaved runs each). One buffer serves every capture: the daemon is
// one thread, and a read is consumed whole before anything else runs.
constexpr std::size_t read_size = std::size_t{512} * 1024;

// A pipe that bursts is grown to this (or as far as the kernel allows: 1 MiB
// without CAP_SYS_RESOURCE). Only pipes that burst grow, so hundreds of quiet
// instances do not spend the user's pipe budget (pipe-user-pages-soft, past
// which every new pipe of the user gets a single page).
constexpr int burst_pipe_size = 4 << 20;
constexpr int reads_per_wakeup = 4;

// What last_lines() can quote from: a few tracebacks (gunicorn: one per worker, then the master's).
constexpr std::size_t tail_size = std::size_t{16} * 1024;

std::span<char> read_buffer()
{
    // Left uninitialized: its pages are touched (and resident) only as far
    // as reads have filled it, so quiet pipes do not cost the daemon 512 KiB.
    static const std::unique_ptr<char[]> buffer(new char[read_size]);  // NOLINT(*-avoid-c-arrays)
    return {buffer.get(), read_size};
}

}  // namespace

Capture::Capture(Loop& loop, LogFile& file, std::string instance, Source source)
    : m_loop(loop)
    , m_file(file)
    , m_instance(std::move(instance))
{
    if (source == Source::Tend) {
        for (Channel& channel : m_channels)
            channel.stream = Stream::Tend;
    }
}

Capture::~Capture()
{
    drain();
    for (Channel& channel : m_channels) {
        if (channel.flush_timer != 0)
            m_loop.cancel_timer(channel.flush_timer);
        if (channel.read_end.valid())
            m_loop.remove_fd(channel.read_end.get());
    }
}

Result<std::pair<int, int>> Capture::open()
{
    if (!m_channels[0].read_end.valid()) {
        for (Channel& channel : m_channels) {
            auto pipe = TRY(os::make_pipe());
            TRY(os::set_nonblocking(pipe.read_end.get()));
            channel.capacity = os::pipe_size(pipe.read_end.get());
            channel.read_end = std::move(pipe.read_end);
            channel.write_end = std::move(pipe.write_end);
            Channel* raw = &channel;
            TRY(m_loop.add_fd(
                channel.read_end.get(), os::Interest::Read, [this, raw](FdEvent) { read_available(*raw, false); }));
        }
    }
    return std::pair{m_channels[0].write_end.get(), m_channels[1].write_end.get()};
}

void Capture::drain()
{
    for (Channel& channel : m_channels) {
        if (!channel.read_end.valid())
            continue;
        read_available(channel, true);
        flush_unfinished(channel);
    }
}

void Capture::read_available(Channel& channel, bool until_empty)
{
    // A few reads per wakeup keep the loop fair to other instances; drain reads all.
    std::span<char> buffer = read_buffer();
    std::string out;
    for (int round = 0; until_empty || round < reads_per_wakeup; ++round) {
        auto n = os::read_some(channel.read_end.get(), buffer);
        if (!n || *n == 0)
            break;
        // A read of a quarter of the pipe or more means the app writes in
        // bursts; a larger pipe absorbs them, so it rarely waits.
        if (!channel.grown && channel.capacity > 0 && *n >= static_cast<std::size_t>(channel.capacity) / 4) {
            channel.grown = true;
            channel.capacity = os::grow_pipe(channel.read_end.get(), burst_pipe_size);
        }
        m_now = m_loop.clock().wall_now();
        std::size_t lines = 0;
        out.clear();
        consume(channel, std::string_view(buffer.data(), *n), out, lines);
        keep_tail(channel, std::string_view(buffer.data(), *n));
        if (!out.empty())
            m_file.append(out, lines);
        if (*n < buffer.size())
            break;
    }
    if (!channel.unfinished.empty() && channel.flush_timer == 0) {
        Channel* raw = &channel;
        channel.flush_timer = m_loop.add_timer(flush_delay, [this, raw] {
            raw->flush_timer = 0;
            flush_unfinished(*raw);
        });
    }
}

void Capture::keep_tail(Channel& channel, std::string_view data)
{
    if (data.size() >= tail_size) {
        channel.tail.assign(data.substr(data.size() - tail_size));
    } else {
        channel.tail.append(data);
        if (channel.tail.size() > tail_size)
            channel.tail.erase(0, channel.tail.size() - tail_size);
    }
    channel.last_read = ++m_reads;
}

void Capture::forget_last_lines()
{
    for (Channel& channel : m_channels)
        channel.tail.clear();
}

std::vector<std::string> Capture::last_lines(std::size_t count, std::size_t width) const
{
    const Channel* latest = nullptr;
    for (const Channel& channel : m_channels) {
        if (!channel.tail.empty() && (latest == nullptr || channel.last_read > latest->last_read))
            latest = &channel;
    }
    if (latest == nullptr || count == 0)
        return {};
    std::string_view text = latest->tail;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    std::vector<std::string> lines;
    while (!text.empty() && lines.size() < count) {
        std::size_t newline = text.rfind('\n');
        // The first line of a full tail may be cut at its start: it is left out.
        if (newline == std::string_view::npos && latest->tail.size() >= tail_size)
            break;
        std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(0, newline);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        std::string escaped;
        append_escaped(escaped, line.substr(0, width));
        lines.push_back(std::move(escaped));
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
}

void Capture::consume(Channel& channel, std::string_view data, std::string& out, std::size_t& lines)
{
    out.reserve(out.size() + data.size() + data.size() / 2);
    // A line left unfinished by the last read is completed first; a read
    // rarely ends at a line's end, so the fast path must not wait for one.
    if (!channel.unfinished.empty()) {
        std::size_t newline = data.find('\n');
        std::size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
        consume_general(channel, data.substr(0, end), out, lines);
        data.remove_prefix(end);
    }
    data = consume_plain(channel, data, out, lines);
    consume_general(channel, data, out, lines);
}

std::string_view Capture::consume_plain(Channel& channel, std::string_view data, std::string& out, std::size_t& lines)
{
    // The common case, whole lines of printable ASCII: the chunk is checked
    // once, and each line is its prefix and one copy (newline included).
    if (data.empty() || !plain_lines(data))
        return data;
    std::string_view prefix;
    while (!data.empty()) {
        std::size_t newline = data.find('\n');
        if (newline == std::string_view::npos || newline > max_line)
            break;  // an unfinished or long line: the general path
        if (prefix.empty())
            prefix = line_prefix(channel, false);
        out.append(prefix);
        out.append(data.data(), newline + 1);
        ++lines;
        data.remove_prefix(newline + 1);
    }
    return data;
}

void Capture::consume_general(Channel& channel, std::string_view data, std::string& out, std::size_t& lines)
{
    while (!data.empty()) {
        std::size_t newline = data.find('\n');
        if (newline == std::string_view::npos) {
            channel.unfinished.append(data);
            while (channel.unfinished.size() >= max_line) {
                emit(channel, std::string_view(channel.unfinished).substr(0, max_line), true, out, lines);
                channel.unfinished.erase(0, max_line);
            }
            return;
        }
        std::string_view line = data.substr(0, newline);
        data.remove_prefix(newline + 1);
        if (!channel.unfinished.empty()) {
            channel.unfinished.append(line);
            std::string_view whole = channel.unfinished;
            while (whole.size() > max_line) {
                emit(channel, whole.substr(0, max_line), true, out, lines);
                whole.remove_prefix(max_line);
            }
            emit(channel, whole, false, out, lines);
            channel.unfinished.clear();
            // The flush timer was for this line: a line begun after it gets its own delay.
            if (channel.flush_timer != 0)
                m_loop.cancel_timer(std::exchange(channel.flush_timer, 0));
            continue;
        }
        while (line.size() > max_line) {
            emit(channel, line.substr(0, max_line), true, out, lines);
            line.remove_prefix(max_line);
        }
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        emit(channel, line, false, out, lines);
    }
}

const std::string& Capture::line_prefix(Channel& channel, bool partial)
{
    // Every line of one read shares its stamp: build each prefix once per read.
    if (m_now != m_prefix_time) {
        m_prefix_time = m_now;
        for (auto& per_stream : m_prefixes) {
            for (std::string& prefix : per_stream)
                prefix.clear();
        }
    }
    std::string& prefix = m_prefixes[&channel == m_channels.data() ? 0 : 1][partial ? 1 : 0];
    if (prefix.empty())
        m_stamper.prefix(prefix, m_now, m_instance, channel.stream, partial);
    return prefix;
}

void Capture::emit(Channel& channel, std::string_view text, bool partial, std::string& out, std::size_t& lines)
{
    out.append(line_prefix(channel, partial));
    append_escaped(out, text);
    out += '\n';
    ++lines;
}

void Capture::flush_unfinished(Channel& channel)
{
    if (channel.flush_timer != 0)
        m_loop.cancel_timer(std::exchange(channel.flush_timer, 0));
    if (channel.unfinished.empty())
        return;
    m_now = m_loop.clock().wall_now();
    std::string out;
    std::size_t lines = 0;
    emit(channel, channel.unfinished, true, out, lines);
    channel.unfinished.clear();
    m_file.append(out, lines);
}

}  // namespace tend::logs
