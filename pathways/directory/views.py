from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string

from pathways.directory import selectors
from pathways.directory.forms import ServiceFilterForm
from pathways.directory.models import Service


def service_list(request: HttpRequest) -> HttpResponse:
    form = ServiceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    services = selectors.services_find(
        tier=filters.get("tier") or None,
        area=filters.get("area") or None,
        status=filters.get("status") or None,
    )
    template = (
        "directory/_service_table.html"
        if request.headers.get("HX-Request")
        else "directory/service_list.html"
    )
    return render(request, template, {"form": form, "services": services})


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        service = selectors.services_find().get(slug=slug)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "history": service.history.all(),
            "labels": selectors.service_labels(service=service),
            "parts": [
                part for path in settings.SERVICE_PAGE_PARTS if (part := import_string(path)(service=service))
            ],
        },
    )
