"""Rate limits for public forms, counted in the database so that all server processes share them."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from pathways.core.models import ThrottleWindow


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a proxy, from the header the proxy sets (PATHWAYS_CLIENT_IP_HEADER)."""
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; False once the key has used `limit` attempts in this window."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()
    window = int(time.time() // window_seconds)
    with transaction.atomic():
        ThrottleWindow.objects.filter(window__lt=window - 1).delete()
        try:
            with transaction.atomic():
                ThrottleWindow.objects.get_or_create(key=digest, window=window)
        except IntegrityError:
            pass  # created by a concurrent request
        updated = ThrottleWindow.objects.filter(key=digest, window=window, count__lt=limit).update(
            count=F("count") + 1
        )
    return updated == 1
