"""Learner settings (time zone, opt-ins) and the activity relay's state.

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

from ai4d_core.adapters.sql.tables import Base  # noqa: F401
