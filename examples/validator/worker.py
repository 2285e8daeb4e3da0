"""A worker (or decider) that processes an item every couple of seconds and
stops cleanly on SIGTERM."""

import argparse
import os
import signal
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--env", default="")
parser.add_argument("--role", default="worker")
args = parser.parse_args()

running = True


def stop(signum, frame):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
name = f"{args.role}.{os.environ.get('TEND_INSTANCE', '?')}"
print(f"{name}: started (env {args.env or 'default'})", flush=True)
item = 0
while running:
    item += 1
    print(f"{name}: processed item {item}", flush=True)
    time.sleep(2)
print(f"{name}: finished the current item, exiting", flush=True)
sys.exit(0)
