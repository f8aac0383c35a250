"""A learner's own settings: their time zone, the leaderboard and e-mail opt-ins, and their pseudonym.

The pseudonym is what the leaderboard shows: drawn at random from two word lists and a number, never from
the learner's name or e-mail, so it says nothing about who they are. Nothing here does I/O.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_TIME_ZONE = "UTC"
MAX_TIME_ZONE = 64  # the longest IANA name is 32 characters
EXAMPLE_ZONES = "Europe/Paris, America/New_York or Asia/Tokyo"
NOT_OFFERED = frozenset({"Factory", "localtime", "posixrules"})  # not places: tzdata's technical entries

# 64 x 64 x 900 = 3.7 million pseudonyms; a clash with an existing one is drawn again by the store.
ADJECTIVES = (
    "Amber", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Crisp", "Curious", "Daring", "Eager", "Early",
    "Electric", "Emerald", "Fair", "Fast", "Fearless", "Fierce", "Gentle", "Glad", "Golden", "Grand", "Happy",
    "Hidden", "Honest", "Humble", "Jolly", "Keen", "Kind", "Lively", "Lucky", "Lunar", "Merry", "Mighty", "Misty",
    "Noble", "Patient", "Polar", "Proud", "Quick", "Quiet", "Rapid", "Ready", "Royal", "Rustic", "Scarlet", "Serene",
    "Sharp", "Silent", "Silver", "Sly", "Smart", "Solar", "Spry", "Steady", "Stellar", "Sunny", "Swift", "Tidy",
    "Tranquil", "Vivid", "Warm", "Wise", "Zesty",
)  # fmt: skip
ANIMALS = (
    "Albatross", "Badger", "Beaver", "Bison", "Cheetah", "Condor", "Cougar", "Crane", "Dolphin", "Eagle", "Falcon",
    "Ferret", "Finch", "Fox", "Gazelle", "Gecko", "Gibbon", "Heron", "Ibex", "Jackal", "Jaguar", "Kestrel", "Koala",
    "Lemur", "Leopard", "Lynx", "Magpie", "Marmot", "Marten", "Meerkat", "Mink", "Moose", "Narwhal", "Ocelot",
    "Orca", "Osprey", "Otter", "Owl", "Panda", "Panther", "Pelican", "Penguin", "Puffin", "Quokka", "Raven", "Robin",
    "Salmon", "Seal", "Sparrow", "Stork", "Swan", "Tapir", "Tiger", "Toucan", "Turtle", "Viper", "Walrus", "Weasel",
    "Whale", "Wolf", "Wombat", "Wren", "Yak", "Zebra",
)  # fmt: skip
MAX_PSEUDONYM = 40


class SettingsError(ValueError):
    """A setting that cannot be saved; `str()` says why and is safe to show to the learner."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerSettings:
    """What a learner chose (defaults until they change anything); `pseudonym` is theirs for good until they
    ask for a new one."""

    time_zone: str = DEFAULT_TIME_ZONE
    leaderboard_opt_in: bool = False
    notify_profile_ready: bool = False
    pseudonym: str

    @property
    def zone(self) -> ZoneInfo:
        """The time zone to show dates and count streak days in."""
        return ZoneInfo(self.time_zone)


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name the system knows, sorted (what the settings page offers)."""
    return tuple(sorted(available_timezones() - NOT_OFFERED))


def check_time_zone(name: object) -> str:
    """The IANA name as given, or `SettingsError` saying what a valid one looks like."""
    if not isinstance(name, str) or not name.strip():
        raise SettingsError(f"Choose a time zone, such as {EXAMPLE_ZONES}.")
    name = name.strip()
    if len(name) > MAX_TIME_ZONE or name not in time_zones():
        shown = name if len(name) <= MAX_TIME_ZONE else name[:MAX_TIME_ZONE] + "…"
        raise SettingsError(f"{shown!r} is not a known time zone; choose one such as {EXAMPLE_ZONES}.")
    return name


def check_flag(name: str, value: object) -> bool:
    """An opt-in must be a real yes or no (not a string such as "false")."""
    if not isinstance(value, bool):
        raise SettingsError(f"{name.replace('_', ' ')} must be on or off")
    return value


def new_pseudonym() -> str:
    """A fresh random pseudonym such as "Swift Otter 417" (from the OS's secure random source)."""
    return f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)} {100 + secrets.randbelow(900)}"


__all__ = [
    "ADJECTIVES",
    "ANIMALS",
    "DEFAULT_TIME_ZONE",
    "LearnerSettings",
    "SettingsError",
    "check_flag",
    "check_time_zone",
    "new_pseudonym",
    "time_zones",
]
