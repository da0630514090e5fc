"""Relais as real server processes, for the tests that need real websockets.

pytest-django's live server cannot upgrade to websockets, so the browser tests of live pages
and the multi-process chat test start Daphne themselves: `manage.py serve` (Daphne and the task
worker, as `make run` does) or bare Daphne processes sharing PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Variables of the test process that must not leak into a server's environment.
TEST_ONLY = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of `make run`: the project's own settings, static files by Django."""
    env = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    env.update({"HTTPS": "false", "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "network.settings",
                "PYTHONPATH": str(ROOT)})
    env.update(overrides)
    return env


def manage(env: dict[str, str], *command: str) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                   capture_output=True)


class LiveServer:
    """One server process on a fixed port, which can be stopped and started again there (the
    browser's socket reconnects to the same address)."""

    def __init__(self, env: dict[str, str], *, serve: bool = True, port: int | None = None):
        self.env, self.serve = env, serve
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.serve:
            return [sys.executable, "manage.py", "serve", "--port", str(self.port)]
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                "network.asgi:application"]

    def start(self, timeout: float = 90) -> LiveServer:
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Relais exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Relais did not answer at {self.url}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
