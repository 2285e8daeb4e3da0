"""A real WSGI app for the zero-downtime tests, served by gunicorn from the
socket tend passes (fd 3). VERSION comes from the environment; /healthz fails
while the file named by UNHEALTHY_FLAG exists."""

import os
import time

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    time.sleep(0.005)  # a little work, so requests are in flight during restarts
    return f"{os.environ.get('VERSION', 'v1')} {os.getpid()}\n"


@app.route("/healthz")
def healthz():
    if os.path.exists(os.environ.get("UNHEALTHY_FLAG", "unhealthy")):
        return "unhealthy\n", 500
    return "ok\n"
