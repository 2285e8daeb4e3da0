"""Writes numbered lines as fast as a busy app logs, in 8 KiB writes as a
block-buffered stdout does (so writes end in the middle of lines), for SECONDS;
then says how many and idles."""

import os
import sys
import time

deadline = time.monotonic() + float(sys.argv[1])
count = 0
pending = b""
while time.monotonic() < deadline:
    for _ in range(50):
        count += 1
        pending += f"line {count} from a fast writer, about as long as a log record of a web app\n".encode()
    while len(pending) >= 8192:
        os.write(1, pending[:8192])
        pending = pending[8192:]
    time.sleep(0.001)
os.write(1, pending)
os.write(2, f"wrote {count} lines\n".encode())
while True:
    time.sleep(1000)
