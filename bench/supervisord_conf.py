"""The supervisord configuration every benchmark writes: a control socket, its
own log and pid file under `work`, and the one program the scenario runs."""

import os


def write(work, program, supervisord_extra=""):
    """Writes work/supervisord.conf with `program` (its [program:...] section)
    and returns the path."""
    conf = work / "supervisord.conf"
    conf.write_text(f"""[unix_http_server]
file={work}/s.sock
[supervisord]
logfile={work}/supervisord.log
pidfile={work}/supervisord.pid
{supervisord_extra}{"user=root" if os.geteuid() == 0 else ""}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://{work}/s.sock
{program}""")
    return conf
