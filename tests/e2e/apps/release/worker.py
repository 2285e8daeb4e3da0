"""A background worker: says which release it runs, then idles."""

import time
from pathlib import Path

print(f"worker {Path('version.txt').read_text().strip()} in {Path.cwd()}", flush=True)
while True:
    time.sleep(60)
