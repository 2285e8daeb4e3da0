"""Says READY=1 (from this very process) once the file named by argv[1] exists."""

import os
import socket
import sys
import time

while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
    notify.sendto(b"READY=1\nSTATUS=serving", os.environ["NOTIFY_SOCKET"])
print("ready", flush=True)
while True:
    time.sleep(1000)
