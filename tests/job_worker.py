"""One scheduler job run in its own process, as cron runs `flask jobs run-once JOB`: the multi-process tests start
several at once. RESOLVE_TEST_CLOCK sets the clock (which keeps running), as it does for the suite.

    RESOLVE_ENV=test TEST_DATABASE_URL=postgresql+psycopg://... RESOLVE_TEST_CLOCK=2026-12-01T10:00:00+00:00 \\
        python -m tests.job_worker dispatch
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from app import clock, create_app
from app.extensions import db
from app.jobs import scheduler


def main(name: str) -> None:
    if at := os.environ.get("RESOLVE_TEST_CLOCK"):
        clock.start_at(datetime.fromisoformat(at))
    app = create_app("test")
    count = scheduler.run_once(app, name)
    with app.app_context():
        db.engine.dispose()
    print(f"{name}: {count}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
