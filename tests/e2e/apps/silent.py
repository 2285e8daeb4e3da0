"""Starts, never says READY=1, and waits: for a readiness deadline."""

import signal

print("silent: up, but never ready", flush=True)
while True:
    signal.pause()  # idle until tend signals it
