"""The web app deployed by the deploy tests: answers with the version file of
its release and its pid, served by gunicorn from the socket tend passes."""

import os
import time
from pathlib import Path

from flask import Flask

app = Flask(__name__)
VERSION = Path("version.txt").read_text().strip()


@app.route("/")
def index():
    time.sleep(0.005)  # a little work, so requests are in flight during the switch
    return f"{VERSION} {os.getpid()}\n"
