// The log benchmark's child: writes BYTES bytes of 100-byte lines to stdout as
// fast as it can (64 KiB writes), then a final "END" line, then exits.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

int main(int argc, char** argv)
{
    long long total = argc > 1 ? std::atoll(argv[1]) : 500'000'000LL;
    std::string block;
    long long line = 0;
    while (block.size() + 100 <= 65536) {
        // "0000000042 xxxx...x\n": a line number, then filler to 100 bytes.
        std::string text = std::to_string(line++);
        text.insert(0, 10 - text.size(), '0');
        text += ' ';
        text.append(100 - text.size() - 1, 'x');
        text += '\n';
        block += text;
    }
    long long written = 0;
    while (written < total) {
        std::size_t chunk = block.size();
        if (static_cast<long long>(chunk) > total - written)
            chunk = static_cast<std::size_t>((total - written) / 100 * 100);
        if (chunk == 0)
            break;
        const char* at = block.data();
        std::size_t left = chunk;
        while (left > 0) {
            ssize_t n = write(1, at, left);
            if (n <= 0)
                return 1;
            at += n;
            left -= static_cast<std::size_t>(n);
        }
        written += static_cast<long long>(chunk);
    }
    const char end[] = "END-OF-BENCHMARK-OUTPUT\n";
    (void)!write(1, end, sizeof end - 1);
    return 0;
}
