"""Compiling in a forked child: refused at once, rather than hung.

rulec's thread pools (and polars', which it reads data with) are made on
first use; ``fork()`` copies them without their threads, so a compile in
a child forked after the parent compiled would wait for them forever.
"""

from __future__ import annotations

import os

from ._rulec import RulecError

_compiled_here = False
_forked_after_compile = False


def _after_fork_in_child() -> None:
    global _forked_after_compile
    _forked_after_compile = _forked_after_compile or _compiled_here


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def compiling() -> None:
    """Marks this process as one whose pools are made."""
    global _compiled_here
    _compiled_here = True


def refuse() -> None:
    """Raises when this process is a child forked after a compile."""
    if _forked_after_compile:
        raise RulecError(
            "rulec.compile cannot run in a process forked from one that already compiled: "
            "the thread pools it compiles with do not survive fork() and it would wait forever. "
            "Start workers with the spawn or forkserver method "
            '(multiprocessing.get_context("spawn"), or '
            'ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")))'
        )
