"""What the benchmarks read of a running process from /proc, and how they end
a tend daemon they started."""

import os
import signal
import subprocess


def status_kib(pid, field):
    """A kB field of /proc/PID/status (VmRSS, VmHWM, ...); 0 when absent."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User plus system CPU time of the process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_tend(binary, work, env, daemon):
    """`tend down`, then SIGKILL to the daemon (by its pid) if it is still there."""
    subprocess.run([binary, "down"], cwd=work, env=env, capture_output=True, timeout=120)
    try:
        os.kill(daemon, 0)
        os.kill(daemon, signal.SIGKILL)
    except ProcessLookupError:
        pass
