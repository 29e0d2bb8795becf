"""The request being served, as far as the audit log needs it: the client's address.

`AuditContextMiddleware` sets it around every request, so that the services writing audit entries take
no request; a management command or a test outside a request has none, and its entries store no
address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest

from pathways.core.throttle import client_address

_client_ip: ContextVar[str | None] = ContextVar("pathways_audit_client_ip", default=None)


@contextmanager
def client_ip_set(ip: str | None) -> Iterator[None]:
    """Entries written inside the block store `ip` as the client's address."""
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)


def client_ip_current() -> str | None:
    return _client_ip.get()


def client_ip_of(request: HttpRequest) -> str | None:
    """The client's address as the audit log stores it, or None when it is not an address."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
