"""The WSGI app of wsgi_app.py, unless the file named by BROKEN_FLAG exists:
then its import takes a while and fails, as a release whose configuration is
missing does. gunicorn's master has said READY=1 long before its workers give up."""

import os
import time

if os.path.exists(os.environ.get("BROKEN_FLAG", "broken")):
    time.sleep(3)
    raise RuntimeError("boom: missing config")

from wsgi_app import app  # noqa: E402,F401
