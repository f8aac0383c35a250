"""The dashboards server frees a closed page's objects without a full garbage collection (`server_gc`)."""

from __future__ import annotations

import gc
import types
from collections.abc import Iterator

import panel.io.document
import pytest

from dashboards import server_gc

pytestmark = pytest.mark.dashboards


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_panel_still_schedules_its_collection_through_the_function_we_replace() -> None:
    # If Panel renames it, `tune` would change nothing: this fails first, on the upgrade.
    assert callable(panel.io.document._garbage_collect)
    assert "_garbage_collect" in panel.io.document._destroy_document.__code__.co_names


def test_tune_makes_the_scheduled_collection_a_young_one_and_freezes_the_imports(unfrozen: None) -> None:
    calls: list[tuple[int, ...]] = []
    module = types.SimpleNamespace(_garbage_collect=lambda: calls.append(()))
    collect = server_gc.tune(module)
    assert module._garbage_collect is collect
    assert gc.get_freeze_count() > 0
    generations: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        module._garbage_collect()
    finally:
        gc.callbacks.remove(seen)
    assert generations == [1]
    assert calls == []


def test_tune_refuses_a_panel_without_the_function() -> None:
    with pytest.raises(RuntimeError, match="_garbage_collect is gone"):
        server_gc.tune(types.SimpleNamespace())
