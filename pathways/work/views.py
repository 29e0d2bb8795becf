from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pathways.core.policy import actor_for
from pathways.work.selectors import work_for


def home(request: HttpRequest) -> HttpResponse:
    """Your work: the first page for practitioners and managers."""
    today = timezone.localdate()
    return render(
        request, "work/home.html", {"work": work_for(actor=actor_for(request), today=today), "today": today}
    )
