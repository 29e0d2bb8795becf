from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pathways.assessments import selectors, services
from pathways.assessments.forms import AnswersForm, CorrectForm, StartForm, words
from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.marac import criterion_label
from pathways.assessments.models import Assessment, AssessmentStatus, Context, InstrumentVersion
from pathways.assessments.wording import as_shown
from pathways.core.policy import Perm, actor_for, allows
from pathways.people import selectors as people


def _instruments() -> list[tuple[str, str]]:
    return [(v.instrument, words(v.definition["name"])) for v in selectors.instruments_current()]


def _return_to(request: HttpRequest) -> str:
    """The page of this site to go back to once the assessment is done (`?next=`, a path such as the case's
    assessments page), or "" for none or one that leads anywhere else."""
    candidate = request.GET.get("next", "")
    if (
        candidate.startswith("/")
        and not candidate.startswith("//")
        and url_has_allowed_host_and_scheme(
            candidate, {request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return ""


def _with_return(url: str, return_to: str) -> str:
    return f"{url}?{urlencode({'next': return_to})}" if return_to else url


def person_assessments(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    person = people.person_get(actor=actor, person_id=person_id)
    history = list(selectors.assessment_history(person=person))
    return render(
        request,
        "assessments/history.html",
        {
            "person": person,
            "history": history,
            "current": selectors.risk_current(person=person),
            "can_assess": allows(actor, Perm.ASSESSMENT_CHANGE),
        },
    )


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    person = people.person_get(actor=actor, person_id=person_id)
    instruments = _instruments()
    # A link may choose the form and why it is done (a case's intake, review or closure assessment).
    initial = {
        name: request.GET[name]
        for name, allowed in (("instrument", dict(instruments)), ("context", dict(Context.choices)))
        if request.GET.get(name) in allowed
    }
    form = StartForm(request.POST or None, instruments=instruments, initial=initial)
    return_to = _return_to(request)
    if request.method == "POST" and form.is_valid():
        assessment = services.assessment_start(
            actor=actor,
            person=person,
            instrument_id=form.cleaned_data["instrument"],
            context=form.cleaned_data["context"],
            assessed_on=form.cleaned_data["assessed_on"],
        )
        return redirect(_with_return(assessment.get_absolute_url(), return_to))
    return render(request, "assessments/start.html", {"form": form, "person": person, "return_to": return_to})


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, assessment_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    instrument = shown_definition(assessment.instrument_version)
    if assessment.status == AssessmentStatus.DRAFT and allows(actor, Perm.ASSESSMENT_CHANGE):
        form = AnswersForm(
            request.POST or None,
            instrument=instrument,
            initial={
                **AnswersForm.initial_from(instrument, assessment.answers),
                "narrative": assessment.narrative,
                "sources": assessment.sources,
            },
        )
        if request.method == "POST" and form.is_valid():
            complete = "complete" in request.POST
            try:
                services.assessment_save(
                    actor=actor,
                    assessment=assessment,
                    answers=form.answers(),
                    narrative=form.cleaned_data["narrative"],
                    sources=form.cleaned_data["sources"],
                    complete=complete,
                )
            except services.AssessmentError as error:
                for problem in error.problems:
                    name = problem.item if problem.item in form.fields else f"{problem.item}__recent"
                    form.add_error(name if name in form.fields else None, _(problem.message))
                if not error.problems:
                    form.add_error(None, str(error))
            else:
                messages.success(request, _("Assessment completed.") if complete else _("Draft saved."))
                return_to = _return_to(request)
                if complete and return_to:
                    return redirect(return_to)
                return redirect(_with_return(assessment.get_absolute_url(), return_to))
        return render(
            request,
            "assessments/form.html",
            {
                "return_to": _return_to(request),
                "assessment": assessment,
                "form": form,
                "instrument": instrument,
                "population_note": words(instrument.population_note),
                "outside_population": _outside(instrument, assessment),
            },
        )
    if request.method == "POST":
        raise Http404
    return render(request, "assessments/detail.html", _detail_context(assessment, instrument))


def _detail_context(assessment: Assessment, instrument: Instrument) -> dict[str, object]:
    labels = {i.id: words(i.label) for s in instrument.sections for i in s.items}
    labels.update({j.id: words(j.label) for j in instrument.judgements})
    results = [
        {"label": words(rule.label), "value": assessment.results.get("values", {}).get(rule.id)}
        for rule in instrument.results
    ]
    bands = []
    for banding in instrument.banding:
        chosen = assessment.results.get("bands", {}).get(banding.result)
        for band in banding.bands:
            if band.band == chosen:
                bands.append({"label": words(band.label), "meaning": words(band.meaning)})
    answers = [(labels.get(k, k), v) for k, v in assessment.answers.items()]
    marac = assessment.results.get("marac")
    months = (
        int(services.assessment_settings_for(person=assessment.person)["marac"]["repeat_window_months"])
        if marac
        else 0
    )
    return {
        "assessment": assessment,
        "markers": services.assessment_sealed_markers(person=assessment.person),
        "instrument": instrument,
        "results": results,
        "bands": bands,
        "marac": marac,
        "marac_criteria": [
            criterion_label(code, repeat_window_months=months) for code in (marac or {}).get("criteria", [])
        ],
        "answers": answers,
        "correct_form": CorrectForm(),
        "population_note": words(instrument.population_note),
        "outside_population": _outside(instrument, assessment),
    }


def _outside(instrument: Instrument, assessment: Assessment) -> str:
    """The tool's warning when the person or their partner is outside the population it was validated on."""
    if instrument.validated_for is None:
        return ""
    if assessment.status == AssessmentStatus.DRAFT:
        outside = services.instrument_outside_validated_population(
            instrument=instrument, person=assessment.person
        )
    else:
        outside = bool(assessment.results.get("outside_validated_population"))
    return words(instrument.validated_for.warning) if outside else ""


@require_POST
def correct(request: HttpRequest, assessment_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    assessment = selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    form = CorrectForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AssessmentError(
                _("Give the reason for the correction, in under 2,000 characters.")
            )
        new = services.assessment_correct(
            actor=actor, assessment=assessment, reason=form.cleaned_data["reason"]
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect(assessment)
    return redirect(new)


def compare(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    person = people.person_get(actor=actor, person_id=person_id)
    history = {
        str(a.pk): a
        for a in selectors.assessment_history(person=person).filter(
            status__in=[AssessmentStatus.COMPLETED, AssessmentStatus.SUPERSEDED]
        )
    }
    earlier, later = history.get(request.GET.get("earlier", "")), history.get(request.GET.get("later", ""))
    changes = None
    error = ""
    if earlier and later:
        if earlier.instrument_version.instrument != later.instrument_version.instrument:
            error = _("Choose two assessments made with the same form.")
        else:
            if (later.assessed_on, later.created_at) < (earlier.assessed_on, earlier.created_at):
                earlier, later = later, earlier
            instrument = shown_definition(later.instrument_version)
            labels = {i.id: words(i.label) for s in instrument.sections for i in s.items}
            changes = [
                (labels.get(c.item, c.item), c)
                for c in selectors.assessments_compare(earlier=earlier, later=later)
            ]
    return render(
        request,
        "assessments/compare.html",
        {
            "person": person,
            "options": list(history.values()),
            "earlier": earlier,
            "later": later,
            "changes": changes,
            "error": error,
        },
    )


def shown_definition(version: InstrumentVersion) -> Instrument:
    return as_shown(services.instrument_definition(version=version))
