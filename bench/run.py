"""Run every benchmark in bench/ (make bench). Each prints its figures beside a bare reference.

bench_*.py run everywhere; feed.py (issue 3: a million posts, in its own database) runs only
when DATABASE_URL points to PostgreSQL, and chat.py (issue 4: 1,000 websockets over two Daphne
processes, in its own database and Redis database) when REDIS_URL is set as well. search.py
(issue 5: a million entries, beside tantivy) runs everywhere, on the configured database:
PostgreSQL when DATABASE_URL points to it, SQLite otherwise.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    scripts = sorted(HERE.glob("bench_*.py"))
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        scripts.append(HERE / "feed.py")
        if os.environ.get("REDIS_URL"):
            scripts.append(HERE / "chat.py")
    scripts.append(HERE / "search.py")
    failures = 0
    for script in scripts:
        print(f"\n### {script.stem}", flush=True)
        failures += subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0
    sys.exit(1 if failures else 0)
