"""The address of the client a request comes from, behind the reverse proxies we trust.

Every throttle keys on it and certificate verification records a keyed hash of it, so it is
decided here, once. Behind a TLS proxy, ``REMOTE_ADDR`` is the proxy's address for every
client; the client's own is in ``X-Forwarded-For``, where each proxy appends the address of
the peer it received the request from. The left part of that header is whatever the
client sent, so it is read from the right and only as far as the proxies we trust:

1. The direct peer (``REMOTE_ADDR``) is not in ``TRUSTED_PROXIES``: it is the client, and
   the header is ignored, whatever it says (a client cannot forge its way past a throttle).
2. Otherwise walk the header's addresses from the right: the first one that is not a
   trusted proxy is the client (the rightmost untrusted address). An entry that is not an
   address (``unknown``, garbage) stops the walk at the proxy that wrote it, since nothing
   to its left can be vouched for; so does the end of the header. If every address is a
   trusted proxy, the leftmost one read is the client (a machine inside the trusted
   networks, such as a health check).
3. At most ``MAX_FORWARDED_ADDRESSES`` entries are read; no real chain of proxies is
   longer, and anything further left was written by the client anyway.

``TRUSTED_PROXIES`` lists networks rather than counting hops: a hop count trusts the
header whenever the request arrives, even straight from a client that bypassed the proxy,
and breaks when a load balancer is added in front; a list of networks checks who actually
sent each address.
"""

import functools
import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_FORWARDED_ADDRESSES = 20
# "[2001:db8::1]:443" and "192.0.2.1:443": some proxies append the peer's port.
_BRACKETED = re.compile(r"^\[([^\]]+)\](?::\d{1,5})?$")
_IPV4_WITH_PORT = re.compile(r"^([0-9.]+):\d{1,5}$")


def client_address(request) -> str:
    """The client's IP address as text (IPv4-mapped IPv6 as IPv4), or "" when the server
    was not told a valid one (see the module's docstring for the proxy rules)."""
    peer = address_parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # The leftmost part of the split may hold many more entries, unsplit: never read.
    entries = forwarded.rsplit(",", MAX_FORWARDED_ADDRESSES)[-MAX_FORWARDED_ADDRESSES:]
    for entry in reversed(entries):
        address = address_parse(entry)
        if address is None:
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def address_group(address: str) -> str:
    """What a throttle counts one client by: an IPv4 address itself, an IPv6 address by its
    /64 network (one household or phone usually holds a whole /64 and may use any of it)."""
    parsed = address_parse(address)
    if parsed is None or parsed.version == 4:
        return address
    return str(ipaddress.IPv6Network((int(parsed), 64), strict=False))


def address_parse(text: str) -> Address | None:
    """An address as a proxy or the server writes it (with or without a port; IPv6 in
    brackets when it has one), or None for anything else."""
    text = text.strip()
    if match := _BRACKETED.match(text) or _IPV4_WITH_PORT.match(text):
        text = match.group(1)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` parsed: addresses or networks in CIDR notation."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip()))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must list addresses or networks such as 10.0.0.0/8, not {entry!r} ({error})."
            ) from error
    return tuple(networks)


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)
