"""Starts, never says READY=1, and waits: for a readiness deadline."""

import time

print("silent: up, but never ready", flush=True)
while True:
    time.sleep(1)
