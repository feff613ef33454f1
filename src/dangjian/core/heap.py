"""The garbage collector tuned for a server process (decisions/0022).

A request that judges a city's compliance or counts its dues makes hundreds of thousands of
short-lived objects; with the default thresholds the collector runs every 700 allocations
and walks every long-lived object Django and the rule library made at start-up — measured
on the demo city, a quarter of a year's compliance evaluation. `settle()` moves what exists
at start-up out of the collector's sight (`gc.freeze`: also keeps those pages shared between
forked workers instead of copied when the collector touches them) and collects less often.
Reference cycles are still collected; only the long-lived start-up heap is not walked.
"""

from __future__ import annotations

import gc

# Young-generation threshold: collections every 10,000 net allocations instead of 700.
YOUNG = 50_000


def settle() -> None:
    """Call once the application is loaded, before serving (and before forking workers)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG, older, oldest)
