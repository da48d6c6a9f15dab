"""The cyclic garbage collector, paused while a process builds what lives as long as it does.

    collector.pause()
    ...imports, the core, the adapter...
    collector.resume()

Start-up makes about 200,000 objects that live as long as the process (modules, classes,
tables, the core). The collector would scan them again and again while they are made (about
a tenth of the bot's start-up) and find almost nothing (about 1,000 objects). `lianxin run`
and the ledger's child process pause it while they start.
"""

from __future__ import annotations

import gc


def pause() -> None:
    """No collections until `resume`."""
    gc.disable()


def resume() -> None:
    """The collector on again, with what was made so far frozen: never scanned again, so full
    collections in the running process stay as cheap as they were before start-up."""
    gc.freeze()
    gc.enable()
