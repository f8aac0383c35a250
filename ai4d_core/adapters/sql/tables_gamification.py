"""The XP ledger, badges and streaks.

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

from ai4d_core.adapters.sql.tables import Base  # noqa: F401
