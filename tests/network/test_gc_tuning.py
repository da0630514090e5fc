"""The server entry point keeps its loaded application out of garbage collections."""

import json
import os
import subprocess
import sys
from pathlib import Path

from network.gc_tuning import FULL_COLLECTION_EVERY

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_asgi_application_freezes_it_and_spaces_full_collections():
    # In a process of its own: freezing this test process's objects would outlive the test.
    probe = ("import gc, json, network.asgi; "
             "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()]))")
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}, check=True)
    frozen, threshold = json.loads(result.stdout.strip().splitlines()[-1])
    assert frozen > 10_000  # Django and the apps, loaded before the freeze
    assert threshold[2] == FULL_COLLECTION_EVERY > 10
