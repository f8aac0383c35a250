"""The LLM adapter over the `openai` client: structured JSON answers, cached, with bounded concurrency.

Retries: ONE layer, the `openai` client's own (`max_retries`): it retries connection errors, timeouts, 408,
409, 429 and 5xx with exponential backoff (0.5 s doubling to 8 s) and jitter, and waits what `Retry-After` /
`retry-after-ms` says when the server sends it. It already does exactly what DESIGN §7 asks, so a second layer
(tenacity) would only multiply attempts. Each request has a timeout; a batch runs at most `concurrency`
requests at once (asyncio and a semaphore over `AsyncOpenAI`). A request that still fails comes back as a
`ChatResult` with an error, never an exception: the caller falls back for that request alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from openai.types.shared_params import ResponseFormatJSONSchema
from openai.types.shared_params.response_format_json_schema import JSONSchema

from ai4d_core.llm.cache import CacheEntry, LlmCache, cache_key
from ai4d_core.llm.prompts import Message
from ai4d_core.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class ChatRequest:
    messages: list[Message]
    schema_name: str
    schema: dict[str, Any]
    prompt_version: str


@dataclass(frozen=True)
class ChatResult:
    content: str | None
    error: str | None = None  # e.g. "timeout", "rate_limited", "http_500", "connection"
    cached: bool = False


@dataclass
class LlmStats:
    requests: int = 0  # sent to the server (cache misses), retries not counted
    cache_hits: int = 0
    failures: int = 0


@dataclass
class LlmClient:
    """Settings of one OpenAI-compatible endpoint; a fresh `AsyncOpenAI` is opened per batch (per event loop)."""

    base_url: str
    model: str
    api_key: str = "unused"  # local servers need none, but the client insists on one
    timeout_s: float = 60.0
    max_retries: int = 4
    concurrency: int = 8
    cache: LlmCache | None = None
    max_tokens: int = 8_000
    max_cached_chars: int = 100_000  # a larger answer is refused by verification, so never stored
    stats: LlmStats = field(default_factory=LlmStats)

    @classmethod
    def from_settings(cls, settings: Settings, cache: LlmCache | None = None) -> LlmClient:
        if settings.llm_base_url is None:
            raise ValueError("no LLM configured (AI4D_LLM_BASE_URL is unset)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,
            timeout_s=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            concurrency=settings.llm_concurrency,
            cache=cache,
        )

    def complete_many(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Answer every request (cache first, then the server, `concurrency` at a time), in order."""
        return run_sync(self.acomplete_many(requests))

    async def acomplete_many(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        keys = [cache_key(self.model, r.prompt_version, r.messages) for r in requests]
        hits = await asyncio.to_thread(self.cache.get_many, keys) if self.cache and keys else {}
        self.stats.cache_hits += sum(1 for k in keys if k in hits)
        results: list[ChatResult | None] = [ChatResult(hits[k], cached=True) if k in hits else None for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            gate = asyncio.Semaphore(self.concurrency)
            async with openai.AsyncOpenAI(
                base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s, max_retries=self.max_retries
            ) as client:
                fresh = await asyncio.gather(*(self._ask(client, gate, requests[i]) for i in missing))
            for i, result in zip(missing, fresh, strict=True):
                results[i] = result
            new = [
                CacheEntry(keys[i], self.model, requests[i].prompt_version, r.content)
                for i, r in zip(missing, fresh, strict=True)
                if r.content is not None and len(r.content) <= self.max_cached_chars
            ]
            if self.cache and new:
                await asyncio.to_thread(self.cache.put_many, new)
        return [r for r in results if r is not None]

    async def _ask(self, client: openai.AsyncOpenAI, gate: asyncio.Semaphore, request: ChatRequest) -> ChatResult:
        async with gate:
            self.stats.requests += 1
            try:
                response = await client.chat.completions.create(
                    model=self.model,
                    messages=request.messages,  # type: ignore[arg-type]
                    response_format=ResponseFormatJSONSchema(
                        type="json_schema",
                        json_schema=JSONSchema(name=request.schema_name, schema=request.schema, strict=False),
                    ),
                    max_tokens=self.max_tokens,
                )
            except openai.APIError as exc:
                self.stats.failures += 1
                return ChatResult(None, error=_error_name(exc))
        content = response.choices[0].message.content if response.choices else None
        return ChatResult(content, error=None if content is not None else "empty")


def _error_name(exc: openai.APIError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    return type(exc).__name__


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
