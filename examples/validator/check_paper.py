"""A step of the `papers` job: checks (validate) or stamps (publish) one submitted paper, given as argv[1]."""

import os
import sys

step = os.environ.get("TEND_STEP", "?")
path = sys.argv[1]
with open(path) as paper:
    text = paper.read()
if step == "validate" and not text.strip():
    print(f"{path}: empty submission", file=sys.stderr)
    sys.exit(1)
print(f"{step}: {os.path.basename(path)} ({len(text)} bytes, attempt {os.environ.get('TEND_ATTEMPT')})", flush=True)
