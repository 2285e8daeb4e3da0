"""A job that waits for uploads/go (a shared path) and then records the
release it ran in, so a test can hold it running across a deploy."""

import os
import time
from pathlib import Path

go = Path("uploads/go")
deadline = time.monotonic() + 120
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
with open("uploads/job-runs.txt", "a") as out:
    out.write(f"{Path('version.txt').read_text().strip()} {os.getcwd()}\n")
