"""Where a login attempt comes from, and how many password checks each budget allows (ASVS V6.3, OWASP).

- The source is the TCP peer. Only when the peer is one of the configured trusted proxies
  (`AI4D_TRUSTED_PROXIES`, CIDRs) is `X-Forwarded-For` read, right to left, and the first hop that is not a
  trusted proxy is the source (the left part of the header is whatever the client chose to send).
- IPv6 sources are grouped by /64 (one subscriber usually gets a whole /64); IPv4-mapped IPv6 is IPv4.
- Budgets in one window (`AI4D_LOGIN_WINDOW_MINUTES`, 15): per account `AI4D_LOGIN_MAX_CHECKS` (10) password
  checks; per account *and* device cookie the same number again (so the owner of a device cookie, earned by a
  past login or reset, is not locked out by an attack from elsewhere); per source
  `AI4D_LOGIN_MAX_CHECKS_PER_SOURCE` (100) over all accounts, device or not. A refused (throttled) attempt is
  recorded but checks no password and does not count against any budget. A password reset or change starts
  the account's budgets afresh.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Limits:
    """How many password checks one window allows."""

    per_account: int
    per_device: int
    per_source: int


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def group(address: Address) -> str:
    """The throttling key of an address: IPv4 as is, IPv6 as its /64."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def source_key(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network] = ()) -> str:
    """The source of a request for throttling and the audit log (at most 64 characters)."""
    address = _address(peer or "")
    if address is None:
        return (peer or "unknown")[:64]

    def is_trusted(a: Address) -> bool:
        return any(a in net for net in trusted)

    if trusted and is_trusted(address) and forwarded_for:
        for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
            hop_address = _address(hop)
            if hop_address is None:
                break  # garbage in the header: stop at the last hop we could read
            address = hop_address
            if not is_trusted(hop_address):
                break
    return group(address)


def parse_networks(values: Sequence[str]) -> list[Network]:
    """CIDRs (or single addresses) as networks; raises ValueError naming a bad one."""
    networks: list[Network] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not a network: {value!r}") from exc
    return networks
