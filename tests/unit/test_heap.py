"""Long-running processes exempt what they keep from the garbage collector's sweeps."""

from __future__ import annotations

import gc

from qstation import heap


def test_settle_collects_garbage_and_exempts_the_survivors() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    kept = [Node() for _ in range(1000)]
    Node()  # garbage in a cycle
    before = gc.get_freeze_count()
    try:
        heap.settle()
        assert gc.get_freeze_count() >= before + 1000
        assert all(not gc.is_finalized(n) for n in kept)
        survivors = sum(isinstance(o, Node) for o in gc.get_objects())
        # Frozen objects are out of the collector's lists: no Node is left in them, and the
        # cyclic garbage was collected before the freeze rather than kept forever.
        assert survivors == 0
    finally:
        gc.unfreeze()
    assert sum(isinstance(o, Node) for o in gc.get_objects()) == len(kept)
