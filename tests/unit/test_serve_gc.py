"""The server collects garbage less often once started (advocacy.cli.serve.collect_garbage_less_often)."""

from __future__ import annotations

import gc

from advocacy.cli.serve import GC_THRESHOLDS, collect_garbage_less_often


def test_what_start_up_made_is_set_aside_and_the_collector_runs_less_often():
    before = gc.get_threshold()
    try:
        collect_garbage_less_often()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]  # fewer young collections than Python's own
        assert gc.get_freeze_count() > 0  # start-up's objects are out of the collector's sweeps
        assert gc.isenabled()  # cycles are still collected
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
