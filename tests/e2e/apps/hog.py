"""Grows to about 80 MB and stays there: for max_memory recycling."""

import signal

ballast = bytearray(80 * 1024 * 1024)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1  # touch every page so it counts in RSS
print("hog: holding 80 MB", flush=True)
while True:
    signal.pause()  # idle until tend signals it
