"""Keeping the garbage collector's full sweeps short in long-running processes.

CPython's full collection walks every tracked object. A server or worker holds hundreds of
thousands of them from its imports alone (numpy, SQLAlchemy, pydantic models, the
simulators), none of which will ever become garbage, so each full sweep paused the process
for up to ~0.1 s on the 2-core test machine, in the middle of a request or a job.
:func:`settle` moves everything alive at that point out of the collector's sight; later
sweeps only walk what was created since.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what is garbage now, then exempt every surviving object from future sweeps.

    Call it once the process has imported and built what it keeps for its lifetime; calling
    it again later also exempts what was created in between.
    """
    gc.collect()
    gc.freeze()
