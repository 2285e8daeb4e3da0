// The benchmark's child process: on start it appends "PID MONOTONIC_NS" to the
// file named by BENCH_STAMP (one write, so lines never interleave), then
// waits for a signal. Every manager under test runs this same binary, so the
// start time it records is comparable across tend, supervisord and PM2.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

int main()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (const char* path = std::getenv("BENCH_STAMP")) {
        char line[64];
        int length = std::snprintf(
            line, sizeof line, "%d %lld\n", getpid(), static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            (void)!write(fd, line, static_cast<size_t>(length));
            close(fd);
        }
    }
    for (;;)
        pause();
}
