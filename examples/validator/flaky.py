"""Runs for a few seconds, then crashes, as real code sometimes does."""

import random
import sys
import time

lifetime = random.uniform(2, 6)
print(f"flaky: will crash in {lifetime:.1f}s", flush=True)
time.sleep(lifetime)
print("flaky: crashing now", file=sys.stderr, flush=True)
sys.exit(1)
