"""Long-running processes exempt what they keep from the garbage collector's sweeps."""

from __future__ import annotations

import gc
import threading

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


def test_paused_keeps_the_collector_off_until_the_last_pause_ends() -> None:
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():  # nested, as a parse inside a build
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last() -> None:
    first_in, second_out = threading.Event(), threading.Event()

    def other() -> None:
        with heap.paused():
            first_in.set()
            second_out.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert first_in.wait(10)
    with heap.paused():
        pass
    assert not gc.isenabled()  # the other thread's pause still holds
    second_out.set()
    thread.join(10)
    assert gc.isenabled()


def test_paused_leaves_a_disabled_collector_disabled_and_survives_errors() -> None:
    gc.disable()
    try:
        with heap.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with heap.paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
