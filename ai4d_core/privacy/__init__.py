"""Personal data: the registry of every store that holds it, export of one person's data, and erasure.

Services and entry points use `ai4d_core.services.privacy`; this package is its machinery.
"""

from ai4d_core.privacy.registry import REGISTRY, PersonalStore, StoreKind
from ai4d_core.privacy.subject import PrivacyError, Subject

__all__ = ["REGISTRY", "PersonalStore", "PrivacyError", "StoreKind", "Subject"]
