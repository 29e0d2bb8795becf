"""Rate limits for public forms, counted in the database so that all server processes share them.

Two kinds of counter: `allow` counts an attempt only while the key is under its limit (a limit that
refuses), `charge` always counts and says how many there have been (a mark that something else reacts to).
Keys are hashed with the secret key, so the table holds no addresses.

A limit that refuses must be one that only the person refused could have spent, so public forms key it by
`address_key` (one IPv4 address, or the /64 that one IPv6 customer is given), never by anything shared by
strangers; shared counters such as `network_key` (an IPv4 /24, an IPv6 /48) or one for everyone are marks.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from pathways.core.models import ThrottleWindow


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a proxy, from the header the proxy sets (PATHWAYS_CLIENT_IP_HEADER).

    Where the header is a list (X-Forwarded-For), the last entry is the one our own proxy added; earlier
    ones come from the client and are whatever it chose to send.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def address_key(address: str) -> str | None:
    """The address as one client holds it: an IPv4 address, or an IPv6 /64 (a home or phone is given a
    whole /64, so counting single IPv6 addresses would give one client billions of budgets). None when the
    address is not known, which happens only when the proxy header is misconfigured."""
    parsed = _parsed(address)
    if parsed is None:
        return None
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def network_key(address: str) -> str:
    """The network the address belongs to: an IPv4 /24 or an IPv6 /48; "unknown" when not known."""
    parsed = _parsed(address)
    if parsed is None:
        return "unknown"
    prefix = 48 if parsed.version == 6 else 24
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def _digest(key: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()


def _window_row(digest: str, window: int) -> None:
    ThrottleWindow.objects.filter(window__lt=window - 1).delete()
    try:
        with transaction.atomic():
            ThrottleWindow.objects.get_or_create(key=digest, window=window)
    except IntegrityError:
        pass  # created by a concurrent request


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; False, counting nothing, once the key has used `limit` attempts in
    this window."""
    digest = _digest(key)
    window = int(time.time() // window_seconds)
    with transaction.atomic():
        _window_row(digest, window)
        updated = ThrottleWindow.objects.filter(key=digest, window=window, count__lt=limit).update(
            count=F("count") + 1
        )
    return updated == 1


def charge(key: str, *, window_seconds: int) -> int:
    """Count one event for `key` and return how many there have been in this window, this one included."""
    digest = _digest(key)
    window = int(time.time() // window_seconds)
    with transaction.atomic():
        _window_row(digest, window)
        ThrottleWindow.objects.filter(key=digest, window=window).update(count=F("count") + 1)
        return ThrottleWindow.objects.values_list("count", flat=True).get(key=digest, window=window)
