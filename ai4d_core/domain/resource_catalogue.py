"""The curated catalogue of study resources (`ai4d_core/data/resources.json`) that learning paths cite.

Stable, real references only (official documentation, well-known open courses and textbooks), each with its
topic, level (1 introductory, 2 intermediate, 3 advanced), estimated hours and kind. A path step cites
resources by id, so a profile can never carry a resource outside this catalogue.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Kind = Literal["documentation", "course", "book", "tutorial", "article", "paper"]


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    title: Annotated[str, Field(min_length=3, max_length=160)]
    url: Annotated[str, Field(pattern=r"^https://[^\s<>\"']+$", max_length=300)]
    topic: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    level: int = Field(ge=1, le=3)
    hours: float = Field(gt=0, le=100)
    kind: Kind


_RESOURCES = TypeAdapter(tuple[Resource, ...])


def parse_catalogue(text: str | bytes) -> dict[str, Resource]:
    """Resources by id from the catalogue's JSON; a duplicate id or URL is an error."""
    resources = _RESOURCES.validate_json(text)
    by_id = {r.id: r for r in resources}
    if len(by_id) != len(resources) or len({r.url for r in resources}) != len(resources):
        raise ValueError("resource ids and urls must be unique")
    return by_id


@cache
def catalogue() -> dict[str, Resource]:
    """The packaged catalogue, read and validated once."""
    return parse_catalogue(files("ai4d_core.data").joinpath("resources.json").read_bytes())


def resources_for(topic: str, level: int) -> list[Resource]:
    """The topic's resources of `level`, or else of the nearest level (the easier one on a tie), in the
    catalogue's order (most central first); empty only for a topic the catalogue does not cover."""
    found = [r for r in catalogue().values() if r.topic == topic]
    distance = {r.id: abs(r.level - level) * 2 + (r.level > level) for r in found}
    nearest = min(distance.values(), default=0)
    return [r for r in found if distance[r.id] == nearest]


__all__ = ["Kind", "Resource", "catalogue", "parse_catalogue", "resources_for"]
