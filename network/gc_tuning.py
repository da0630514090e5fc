"""The garbage collector of a long-running server process (Daphne), tuned for latency.

A Daphne process holding 500 sockets has some 200,000 objects that the collector tracks. On
the two-core machine of docs/benchmarks.md a full (generation 2) collection of them took
100 to 190 ms, every few seconds under chat load, and every socket of the process waited
meanwhile: those pauses were the whole tail of bench/chat.py's delivery latency (p99
200-230 ms against a p95 of 30-40 ms).

Two standard remedies (the ``gc`` module's documentation describes both):
- ``gc.freeze()`` once the application is loaded: the ~120,000 objects of Django, the apps
  and the URL and template machinery live as long as the process and are never garbage, so
  no collection walks them again;
- full collections at most once every ``FULL_COLLECTION_EVERY`` younger ones instead of ten:
  requests and socket frames allocate objects that outlive a young collection only because
  they are in flight, and then die by reference counting; collecting them in the two young
  generations is cheap. Cyclic garbage that reached the oldest generation waits longer
  before it is freed (measured: no growth of memory per connection).
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 100  # second-generation collections between full ones (Python: 10)


def tune_for_server() -> None:
    gc.collect()
    gc.freeze()
    young, middle, _oldest = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
