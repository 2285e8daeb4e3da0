#include "os/spawn.h"

#include <csignal>
#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "os/fd.h"
#include "os/process.h"

namespace tend::os {
namespace {

std::string read_all(int fd)
{
    std::string out;
    char buffer[256];
    for (;;) {
        auto n = read_some(fd, buffer);
        if (!n || *n == 0)
            return out;
        out.append(buffer, *n);
    }
}

TEST(SpawnTest, RunsArgvWithEnvironmentAndCwd)
{
    auto pipe = make_pipe();
    ASSERT_TRUE(pipe);
    auto pid = spawn({
        .argv = {"sh", "-c", "echo \"$GREETING\" $(pwd)"},
        .env = {"PATH=/usr/bin:/bin", "GREETING=hello"},
        .cwd = "/tmp",
        .stdout_fd = pipe->write_end.get(),
    });
    ASSERT_TRUE(pid) << pid.error().message();
    pipe->write_end.reset();
    EXPECT_EQ(read_all(pipe->read_end.get()), "hello /tmp\n");
    EXPECT_TRUE(reap(*pid).success());
}

TEST(SpawnTest, ReportsMissingBinary)
{
    auto pid = spawn({.argv = {"/nonexistent/tend-binary"}, .env = {}});
    ASSERT_FALSE(pid);
    EXPECT_EQ(pid.error().message(), "exec /nonexistent/tend-binary: No such file or directory");
}

TEST(SpawnTest, ReportsMissingCwd)
{
    auto pid = spawn({.argv = {"true"}, .env = {"PATH=/usr/bin:/bin"}, .cwd = "/nonexistent-dir"});
    ASSERT_FALSE(pid);
    EXPECT_EQ(pid.error().message(), "chdir /nonexistent-dir: No such file or directory");
}

TEST(SpawnTest, ChildGetsOwnSessionAndPassedFds)
{
    auto pipe = make_pipe();
    auto passed = make_pipe();
    ASSERT_TRUE(pipe && passed);
    auto pid = spawn({
        .argv = {"sh", "-c", "echo $LISTEN_PID $$ >&3; ps -o sid= -p $$"},
        .env = {"PATH=/usr/bin:/bin"},
        .stdout_fd = pipe->write_end.get(),
        .pass_fds = {passed->write_end.get()},
        .set_listen_pid = true,
    });
    ASSERT_TRUE(pid) << pid.error().message();
    pipe->write_end.reset();
    passed->write_end.reset();
    std::string listen = read_all(passed->read_end.get());
    EXPECT_EQ(listen, std::to_string(*pid) + " " + std::to_string(*pid) + "\n");
    EXPECT_EQ(std::stoi(read_all(pipe->read_end.get())), *pid);
    reap(*pid);
}

TEST(SpawnTest, ChildStartsWithNoSignalBlockedOrIgnored)
{
    // The daemon blocks the signals its signalfd reads and ignores SIGPIPE.
    sigset_t blocked;
    sigset_t previous;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &blocked, &previous);
    auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
    auto pipe = make_pipe();
    ASSERT_TRUE(pipe);
    auto pid = spawn({.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"},
        .env = {"PATH=/usr/bin:/bin"},
        .stdout_fd = pipe->write_end.get()});
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    ::signal(SIGPIPE, old_pipe);
    ASSERT_TRUE(pid) << pid.error().message();
    pipe->write_end.reset();
    EXPECT_EQ(read_all(pipe->read_end.get()), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    reap(*pid);
}

TEST(SpawnTest, SwitchesUserAndGroupWhenRoot)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    // A supplementary group of the daemon's that the child must not keep.
    std::vector<gid_t> previous(static_cast<std::size_t>(::getgroups(0, nullptr)));
    ASSERT_EQ(::getgroups(static_cast<int>(previous.size()), previous.data()), static_cast<int>(previous.size()));
    gid_t extra = 4242;
    ASSERT_EQ(::setgroups(1, &extra), 0);
    auto pipe = make_pipe();
    ASSERT_TRUE(pipe);
    auto pid = spawn({.argv = {"sh", "-c", "echo $(id -u) $(id -g) $(id -G)"},
        .env = {"PATH=/usr/bin:/bin"},
        .stdout_fd = pipe->write_end.get(),
        .uid = 65534,
        .gid = 65533});
    ASSERT_EQ(::setgroups(previous.size(), previous.data()), 0);
    ASSERT_TRUE(pid) << pid.error().message();
    pipe->write_end.reset();
    EXPECT_EQ(read_all(pipe->read_end.get()), "65534 65533 65533\n");
    EXPECT_EQ(reap(*pid).exit_code, 0);
}

TEST(ProcessTest, ParsesSignals)
{
    EXPECT_EQ(*parse_signal("TERM"), SIGTERM);
    EXPECT_EQ(*parse_signal("sigkill"), SIGKILL);
    EXPECT_EQ(*parse_signal("HUP"), SIGHUP);
    EXPECT_EQ(*parse_signal("9"), 9);
    EXPECT_FALSE(parse_signal("TERMINATE"));
}

TEST(ProcessTest, ReadsOwnProcessEntry)
{
    auto info = read_process(::getpid());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->ppid, ::getppid());
    EXPECT_GT(info->rss_bytes, 0U);
}

}  // namespace
}  // namespace tend::os
