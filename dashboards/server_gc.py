"""Garbage collection in the dashboards server: no full collection each time a learner leaves a page.

Panel 1.9 replaces Bokeh's `Document.destroy` with its own (`panel.io.document._destroy_document`), which
schedules a full `gc.collect()` 5 s after the last page closed. A full collection walks every object of every
open page and holds the GIL while it does: with 50 learners on the server it stopped every callback and the
event loop for long enough to be most of the learner page's slowest answer -> feedback round trips
(`bench quiz_round_trip`: 53% of the event loop's busy time under load was that call). In a classroom
somebody leaves a page every few seconds, so it would run all the time.

`tune()` makes that scheduled collection a young-generation one (`gc.collect(1)`: the closed page's own
objects, which are young, are still freed at once) and leaves full collections to Python's thresholds, which
run one only when the objects that survived since the last one reach a quarter of all long-lived objects.
It also moves what the server imported at start into the permanent generation (`gc.freeze()`): those modules
live as long as the process, and no collection needs to walk them again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def young_collection() -> None:
    gc.collect(1)


def tune(document_module: object | None = None) -> Callable[[], None]:
    """Apply the settings above (once, at server start, after the imports); returns the collection Panel
    now schedules. Fails loudly if Panel no longer has the function, rather than silently doing nothing."""
    if document_module is None:
        import panel.io.document as document_module
    if not callable(getattr(document_module, "_garbage_collect", None)):
        raise RuntimeError("panel.io.document._garbage_collect is gone: review dashboards/server_gc.py")
    setattr(document_module, "_garbage_collect", young_collection)  # noqa: B010 (a private name of Panel)
    gc.freeze()
    return young_collection
