from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pathways.core.models import IdempotencyKey


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error as {"detail": ...} and validation errors kept per field."""
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(response.data, dict):
        response.data = {"detail": response.data}
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _("The request has errors."), "errors": response.data}
    return response


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "Any unique string (a UUID, say) naming this create. Sent again with the same request, the answer "
        "is the record made the first time, with the header Idempotent-Replayed: true, and nothing new is "
        "made; sent with a different request it is refused (422)."
    ),
)


def _key_problem(key: str) -> str | None:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not (key.isascii() and key.isprintable()):
        return _("Send an Idempotency-Key of 1 to %(max)d printable ASCII characters, or none.") % {
            "max": IDEMPOTENCY_KEY_MAX
        }
    return None


def idempotent_create(
    request: Request,
    *,
    endpoint: str,
    create: Callable[[], tuple[Response, uuid.UUID | None]],
    replay: Callable[[uuid.UUID], Response],
) -> Response:
    """Run `create` (which answers with the id of what it made, or None when it made nothing) once per
    `Idempotency-Key`: a retry with the same key and the same request is answered with the record made the
    first time, read again through the policy; the same key with a different request is refused (422).
    A request without the header is created as it comes. Keys belong to the account that sent them."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return create()[0]
    key = key.strip()
    problem = _key_problem(key)
    if problem:
        return Response({"detail": problem, "errors": {IDEMPOTENCY_HEADER: [problem]}}, status=400)
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=True)
    digest = hashlib.sha256(f"{endpoint}\n{body}".encode()).hexdigest()
    user_id = request.user.pk
    assert user_id is not None  # the policy lets only a signed-in account create
    with transaction.atomic():
        # One create at a time per account while a key is checked, so that two retries sent together
        # cannot both find the key unused.
        get_user_model().objects.select_for_update().filter(pk=user_id).first()
        found = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if found is not None:
            if found.endpoint != endpoint or found.request_digest != digest:
                message = _(
                    "This Idempotency-Key was sent before with a different request. Send a new key for a "
                    "new request."
                )
                return Response({"detail": message, "errors": {IDEMPOTENCY_HEADER: [message]}}, status=422)
            response = replay(found.record_id)
            if response.status_code == 200:
                response.status_code = 201
            response["Idempotent-Replayed"] = "true"
            return response
        response, record_id = create()
        if record_id is not None:
            IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                endpoint=endpoint,
                request_digest=digest,
                record_id=record_id,
            )
        return response


class ApiError(serializers.Serializer[Any]):
    """An error, as every endpoint answers one (see `exception_handler`)."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in words."))
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text=gettext_lazy(
            "When the request body has problems: the messages for each field, by field name, nested as "
            "the body is."
        ),
    )
