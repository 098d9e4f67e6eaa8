"""The client's address behind trusted proxies: genuine X-Forwarded-For is read from the
right as far as the trusted proxies go; a forged one gets the client nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from lms.addresses import MAX_FORWARDED_ADDRESSES, address_group, client_address

REPO = Path(__file__).resolve().parents[1]
PROXY = "10.0.0.2"  # the TLS proxy, as the web process sees it
PROXIES = ["10.0.0.0/24", "2001:db8:ffff::/48"]


def address(remote: str, forwarded: str | None = None) -> str:
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # No trusted proxy configured (the default): the header is never read.
        ("198.51.100.7", None, "198.51.100.7"),
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        (PROXY, "203.0.113.9", PROXY),
        ("::ffff:198.51.100.7", None, "198.51.100.7"),
        ("2001:DB8::7", None, "2001:db8::7"),
        ("", "203.0.113.9", ""),
        ("not an address", None, ""),
    ],
)
def test_without_trusted_proxies_the_peer_is_the_client(remote, forwarded, expected):
    assert address(remote, forwarded) == expected


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Genuine: the proxy appended the address it received the request from.
        (PROXY, "203.0.113.9", "203.0.113.9"),
        (PROXY, " 203.0.113.9 ", "203.0.113.9"),
        ("::ffff:10.0.0.2", "203.0.113.9", "203.0.113.9"),
        # Forged: the client wrote the left part; the proxy appended the truth on the right.
        (PROXY, "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (PROXY, "10.0.0.9, 203.0.113.9", "203.0.113.9"),
        # Two trusted hops (a load balancer, then the TLS proxy): the rightmost untrusted.
        (PROXY, "1.1.1.1, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        # A request straight from a client: its own header counts for nothing.
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        ("198.51.100.7", "10.0.0.3", "198.51.100.7"),
        # No header, or an empty one: the proxy forwarded without saying for whom.
        (PROXY, None, PROXY),
        (PROXY, "", PROXY),
        # Garbage stops the walk at the proxy that wrote it: nothing left of it is vouched for.
        (PROXY, "203.0.113.9, unknown", PROXY),
        (PROXY, "203.0.113.9, unknown, 10.0.0.3", "10.0.0.3"),
        (PROXY, "203.0.113.9,,", PROXY),
        (PROXY, "203.0.113.9, 999.1.1.1", PROXY),
        (PROXY, "<script>, 203.0.113.9", "203.0.113.9"),
        # Ports, as some proxies append them; IPv6 with and without brackets; mapped IPv4.
        (PROXY, "203.0.113.9:51234", "203.0.113.9"),
        (PROXY, "[2001:db8:1::7]:443", "2001:db8:1::7"),
        (PROXY, "2001:DB8:1::7", "2001:db8:1::7"),
        (PROXY, "::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
        ("2001:db8:ffff::1", "203.0.113.9, 2001:db8:ffff::2", "203.0.113.9"),
        (PROXY, "[2001:db8:1::7]junk", PROXY),
        # Only trusted addresses: the leftmost read (a machine inside, such as a health check).
        (PROXY, "10.0.0.5, 10.0.0.3", "10.0.0.5"),
    ],
)
def test_behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client(remote, forwarded, expected):
    assert address(remote, forwarded) == expected


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_at_most_twenty_entries_are_read_from_the_right():
    trusted_hops = ", ".join(f"10.0.0.{hop}" for hop in range(10, 10 + MAX_FORWARDED_ADDRESSES))
    client_then_hops = "203.0.113.9, " + ", ".join(f"10.0.0.{hop}" for hop in range(10, 29))
    padded = ", ".join(["198.51.100.1"] * 5000) + ", 203.0.113.9"

    assert MAX_FORWARDED_ADDRESSES == 20
    assert address(PROXY, "203.0.113.9, " + trusted_hops) == "10.0.0.10"  # the 21st is never read
    assert address(PROXY, client_then_hops) == "203.0.113.9"  # the 20th is
    assert address(PROXY, padded) == "203.0.113.9"


def test_an_ipv6_client_is_grouped_by_its_64_and_ipv4_by_itself():
    assert address_group("2001:db8:1:2::1") == address_group("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_group("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert address_group("203.0.113.9") == "203.0.113.9"
    assert address_group("") == ""


@override_settings(TRUSTED_PROXIES=["10.0.0.0/33"])
def test_a_bad_network_in_the_setting_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured) as refused:
        address(PROXY, "203.0.113.9")

    assert str(refused.value) == (
        "TRUSTED_PROXIES must list addresses or networks such as 10.0.0.0/8, not '10.0.0.0/33' "
        "('10.0.0.0/33' does not appear to be an IPv4 or IPv6 network)."
    )


@pytest.mark.parametrize(
    ("value", "answer"),
    [
        ("10.0.0.0/8, 192.0.2.10 ,2001:db8::/32", "['10.0.0.0/8', '192.0.2.10', '2001:db8::/32']"),
        ("10.0.0.1/8", "TRUSTED_PROXIES must list addresses or networks such as 10.0.0.0/8, not '10.0.0.1/8'"),
    ],
)
def test_the_setting_is_read_from_the_environment_and_a_typo_stops_the_start(value, answer):
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "lms.settings.base", "TRUSTED_PROXIES": value}
    script = "import django; django.setup(); from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    process = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60
    )

    assert answer in process.stdout + process.stderr
