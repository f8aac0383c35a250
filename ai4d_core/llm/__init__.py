"""The LLM, injected like a transport (STYLE practice 3): an OpenAI-compatible client, its cache and prompts.

Nothing here runs at import; `Container.llm` builds the client from settings, or gives None when no LLM is
configured (every LLM step then takes its deterministic fallback).
"""

from ai4d_core.llm.cache import CacheEntry, LlmCache, MemoryCache, cache_key
from ai4d_core.llm.client import ChatRequest, ChatResult, LlmClient, LlmStats

__all__ = [
    "CacheEntry",
    "ChatRequest",
    "ChatResult",
    "LlmCache",
    "LlmClient",
    "LlmStats",
    "MemoryCache",
    "cache_key",
]
