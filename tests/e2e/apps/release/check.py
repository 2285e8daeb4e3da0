"""The release's check: fails when the release carries a file named `broken`."""

import sys
from pathlib import Path

if Path("broken").exists():
    print("check: this release is broken", flush=True)
    sys.exit(1)
print("check: ok")
