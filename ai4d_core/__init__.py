"""AI4D's core: domain, store ports and adapters, services. Never imports Panel or Prefect.

The public API is what entry points need to start; everything else is reached through its module.
"""

from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.settings import Environment, Settings, load_settings

__all__ = ["Container", "Environment", "Settings", "bootstrap", "load_settings"]
__version__ = "0.1.0"
