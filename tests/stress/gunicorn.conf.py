"""The project's gunicorn.conf.py plus one hook: each worker notes when it has loaded the app.

The stress suite reads those notes to tell when a replacement worker can serve, not just exist.
"""

import os
from pathlib import Path

_PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
exec(compile(_PROJECT_CONFIG.read_text(), str(_PROJECT_CONFIG), "exec"))

_project_post_worker_init = globals().get("post_worker_init")


def post_worker_init(worker):
    if _project_post_worker_init is not None:
        _project_post_worker_init(worker)
    Path(os.environ["NEWSROOM_STRESS_READY_DIR"], str(worker.pid)).touch()
