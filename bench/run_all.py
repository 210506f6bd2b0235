"""Run every benchmark and print its figures (`make bench`). PostgreSQL runs need PARKGOV_TEST_POSTGRES_URL."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
databases = "sqlite,postgres" if os.environ.get("PARKGOV_TEST_POSTGRES_URL") else "sqlite"
for script, args in (("import_yearly.py", []), ("demo_build.py", []), ("evaluate_engine.py", []),
                     ("governance_lists.py", []), ("evaluate_e2e.py", []), ("map_tiles.py", []), ("web_load.py", []),
                     ("map_draw.py", [])):
    subprocess.run([sys.executable, str(HERE / script), "--databases", databases, *args], check=True)
