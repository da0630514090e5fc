"""Serve Relais in one command: Daphne for HTTP and websockets, and a task worker beside it.

Ctrl-C (or SIGTERM) stops both. Used by `make run`; production runs them as separate services.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run Daphne and the task worker together; stop both on Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        python = sys.executable
        commands = {
            "worker": [python, "manage.py", "db_worker", "--interval", "0.5", "--no-reload"],
            "daphne": [python, "-m", "daphne", "-b", host, "-p", str(port),
                       "network.asgi:application"],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"Relais is running on http://{host}:{port}/ "
                                             "(Ctrl-C to stop)"))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with code {process.returncode}")
                        stopping = True
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Relais stopped.")
