"""Assessment writes: loading instrument versions and region settings, drafts, completion, corrections."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from pathways.assessments.engine import AnswerProblem, check_answers, compute
from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.marac import MaracInputError, marac_criteria
from pathways.assessments.models import (
    Assessment,
    AssessmentStatus,
    InstrumentVersion,
    RegionAssessmentSettings,
)
from pathways.assessments.settingsfile import AssessmentSettingsFile
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.datafiles import DataFileError, load_versioned
from pathways.core.policy import Actor
from pathways.core.sealedtext import Marker
from pathways.directory.models import Region
from pathways.directory.services import region_loaded
from pathways.people.models import Person
from pathways.people.sealed import markers_by_person, sealed_details_refuse


class AssessmentError(Exception):
    def __init__(self, message: str, problems: list[AnswerProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


# --- definitions ---------------------------------------------------------------------------------------


def _load_instrument(path: Path) -> tuple[InstrumentVersion, bool]:
    return load_versioned(
        path,
        Instrument,
        InstrumentVersion,
        scope=lambda instrument, _index: {"instrument": instrument.id},
        field="definition",
    )


def _load_settings(path: Path) -> tuple[RegionAssessmentSettings, bool]:
    return load_versioned(
        path,
        AssessmentSettingsFile,
        RegionAssessmentSettings,
        scope=lambda settings, index: {"region": region_loaded(path=path, slug=settings.region, index=index)},
        field="settings",
    )


# A region's folder also holds these files, each loaded by its own command (load_region, load_triage,
# load_panels, load_rfg, load_casework); assessment.yaml is read here, as the region's assessment settings.
OTHER_REGION_FILES = frozenset({"region.yaml", "triage.yaml", "panels.yaml", "rfg.yaml", "casework.yaml"})


@transaction.atomic
def instruments_load(*, paths: list[Path], actor: Actor | None = None) -> list[str]:
    """Load every instrument definition (and a region's assessment.yaml) in these files or folders.

    A changed file becomes a new version; unchanged files are left alone. All or nothing: one bad file
    and nothing is loaded, with every problem in every file reported.
    """
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    loaded, problems = [], []
    for file in files:
        if file.name in OTHER_REGION_FILES:
            continue
        try:
            if file.name == "assessment.yaml":
                settings, changed = _load_settings(file)
                label = f"{settings.region.slug} assessment settings v{settings.version}"
            else:
                version, changed = _load_instrument(file)
                label = f"{version.instrument} v{version.version}"
        except DataFileError as error:
            problems += error.problems
            continue
        if changed:
            audit.entry_record(
                action=AuditAction.REGION_LOADED, actor=actor, record_type="instrument", record_id=label
            )
        loaded.append(label + ("" if changed else " (unchanged)"))
    if problems:
        raise DataFileError(problems)
    return loaded


def instrument_definition(*, version: InstrumentVersion) -> Instrument:
    return Instrument.model_validate(version.definition)


def instrument_version_current(*, instrument_id: str) -> InstrumentVersion:
    version = InstrumentVersion.objects.filter(instrument=instrument_id).first()
    if version is None:
        raise AssessmentError(_("No such instrument is loaded."))
    return version


def assessment_settings_for(*, person: Person) -> dict[str, Any]:
    region = person.region or Region.objects.order_by("slug").first()
    try:
        return RegionAssessmentSettings.latest(region).settings
    except RegionAssessmentSettings.NotLoaded as error:
        # No made-up threshold or window: a result computed with numbers the region never chose is wrong.
        raise AssessmentError(str(error)) from None


# --- results -------------------------------------------------------------------------------------------


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def instrument_outside_validated_population(*, instrument: Instrument, person: Person) -> bool:
    """True when the tool was not validated on people like this one (or their partner), as far as is known."""
    valid = instrument.validated_for
    if valid is None:
        return False
    known = ("man", "woman", "non_binary")
    if person.gender_identity in known and person.gender_identity not in valid.person_gender:
        return True
    if valid.partner_gender is not None:
        genders = set(person.partners().values_list("gender_identity", flat=True))
        return any(g in known and g not in valid.partner_gender for g in genders)
    return False


def assessment_results(
    *,
    instrument: Instrument,
    answers: dict[str, Any],
    settings: dict[str, Any],
    assessed_on: datetime.date,
    person: Person | None = None,
) -> dict[str, Any]:
    results = compute(instrument, answers)
    if person is not None and instrument.validated_for is not None:
        results["outside_validated_population"] = instrument_outside_validated_population(
            instrument=instrument, person=person
        )
    rule = instrument.marac
    if rule is not None:
        callouts = answers.get(rule.callouts_item)
        decision = marac_criteria(
            yes_count=int(results["values"][rule.count_result]),
            visible_high_risk_at=rule.visible_high_risk_at,
            professional_judgement=answers.get(rule.judgement_item) == "yes",
            judgement_reason=str(answers.get(rule.judgement_reason_item) or ""),
            callouts_last_12_months=int(callouts) if isinstance(callouts, int | float) else None,
            callout_threshold=int(settings["marac"]["callout_threshold"]),
            repeat_window_months=int(settings["marac"]["repeat_window_months"]),
            last_marac_referral=_date(answers.get(rule.last_referral_item)),
            incident_date=_date(answers.get(rule.incident_date_item)) or assessed_on,
        )
        results["marac"] = {"refer": decision.refer, "criteria": decision.criteria}
        if decision.refer and results.get("risk_level") != "high":
            # A case that meets the MARAC criteria is treated as high risk for triage and panels.
            results["risk_level"] = "high"
    return results


# --- assessments ---------------------------------------------------------------------------------------


# What happens when an assessment is completed, in the layers above this one (the person's open case counts
# it: pathways.cases), named in settings.ASSESSMENT_COMPLETED so that this layer need not import them. Each
# is called with the assessment and the actor, inside the transaction that completes it.
class AssessmentCompleted(Protocol):
    def __call__(self, *, assessment: Assessment, actor: Actor) -> object: ...


@functools.cache
def _completed_hooks() -> tuple[AssessmentCompleted, ...]:
    return tuple(import_string(path) for path in django_settings.ASSESSMENT_COMPLETED)


@transaction.atomic
def assessment_build(
    *,
    actor: Actor,
    person: Person,
    version: InstrumentVersion,
    context: str,
    assessed_on: datetime.date,
    **completed: Any,
) -> Assessment:
    """An unsaved assessment of `person` with `version`, by the actor for their agency: a draft, or with
    `completed` (status, answers, results, narrative, completed_at) one done already, as the DASH import
    brings them. `assessment_start` saves one; the import saves many at once."""
    if actor.agency is None:
        raise AssessmentError(_("Choose the role you are working in first."))
    return Assessment(
        person=person,
        instrument_version=version,
        assessor=actor.user,
        agency=actor.agency,
        assessed_on=assessed_on,
        context=context,
        created_by=actor.user,
        modified_by=actor.user,
        **completed,
    )


def assessment_start(
    *, actor: Actor, person: Person, instrument_id: str, context: str, assessed_on: datetime.date
) -> Assessment:
    assessment = assessment_build(
        actor=actor,
        person=person,
        version=instrument_version_current(instrument_id=instrument_id),
        context=context,
        assessed_on=assessed_on,
    )
    assessment.save(force_insert=True)
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="assessment",
        record_id=assessment.pk,
        details={"instrument": instrument_id},
    )
    return assessment


def assessment_sealed_markers(*, person: Person) -> list[Marker]:
    """The sealed details kept out of what is typed in an assessment of the person who uses abuse (read on
    his side): those of his partners, ex-partners and children. None for the victim side's own."""
    if person.side != Side.PERPETRATOR:
        return []
    return markers_by_person([person.pk])[person.pk]


def _typed_texts(answers: Any, narrative: str, sources: str) -> dict[str, str]:
    texts = {"narrative": narrative, "sources": sources}
    if isinstance(answers, dict):
        texts |= {str(item): value for item, value in answers.items() if isinstance(value, str)}
    return texts


def assessment_save(
    *,
    actor: Actor,
    assessment: Assessment,
    answers: Any,
    narrative: str = "",
    sources: str = "",
    complete: bool = False,
) -> Assessment:
    """Save a draft's answers, or complete it. A completed assessment cannot be saved again.

    In an assessment of the person who uses abuse, typed text (the narrative, the sources, written
    answers) that holds his partner's or a child's sealed details is refused, naming the field, before
    anything is written."""
    sealed_details_refuse(
        fields=_typed_texts(answers, narrative, sources),
        markers=assessment_sealed_markers(person=assessment.person),
        actor=actor,
        record_type="assessment",
        record_id=assessment.pk,
        error=lambda message, field: AssessmentError(message, [AnswerProblem(field, message)]),
    )
    return _save(
        actor=actor,
        assessment=assessment,
        answers=answers,
        narrative=narrative,
        sources=sources,
        complete=complete,
    )


@transaction.atomic
def _save(
    *, actor: Actor, assessment: Assessment, answers: Any, narrative: str, sources: str, complete: bool
) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("instrument_version", "person__area")
        .get(pk=assessment.pk)
    )
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentError(
            _("This assessment is complete and cannot change. Correct it with a new version.")
        )
    instrument = instrument_definition(version=assessment.instrument_version)
    problems = check_answers(instrument, answers, complete=complete)
    if problems:
        raise AssessmentError(_("The answers do not match this version of the form."), problems)
    results: dict[str, Any] = {}
    if complete:
        try:
            results = assessment_results(
                instrument=instrument,
                answers=answers,
                settings=assessment_settings_for(person=assessment.person),
                assessed_on=assessment.assessed_on,
                person=assessment.person,
            )
        except MaracInputError as error:
            raise AssessmentError(
                _("Professional judgement needs a written reason."),
                [
                    AnswerProblem(
                        instrument.marac.judgement_reason_item if instrument.marac else "", str(error)
                    )
                ],
            ) from None
    assessment.answers = answers
    assessment.narrative = narrative
    assessment.sources = sources
    assessment.modified_by = actor.user
    if complete:
        assessment.results = results
        assessment.status = AssessmentStatus.COMPLETED
        assessment.completed_at = timezone.now()
        if assessment.supersedes_id:
            Assessment.objects.filter(pk=assessment.supersedes_id).update(status=AssessmentStatus.SUPERSEDED)
    assessment.save()
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="assessment",
        record_id=assessment.pk,
        details={"status": assessment.status},
    )
    if complete:
        for completed in _completed_hooks():
            completed(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def assessment_correct(*, actor: Actor, assessment: Assessment, reason: str) -> Assessment:
    """A new draft that will replace a completed assessment once completed, keeping the original as it was."""
    if assessment.status != AssessmentStatus.COMPLETED:
        raise AssessmentError(_("Only a completed assessment can be corrected."))
    if not reason.strip():
        raise AssessmentError(_("Give the reason for the correction."))
    if hasattr(assessment, "superseded_by"):
        raise AssessmentError(_("This assessment already has a correction."))
    if actor.agency is None:
        raise AssessmentError(_("Choose the role you are working in first."))
    new = Assessment.objects.create(
        person=assessment.person,
        instrument_version=assessment.instrument_version,
        assessor=actor.user,
        agency=actor.agency,
        assessed_on=assessment.assessed_on,
        context=assessment.context,
        answers=assessment.answers,
        narrative=assessment.narrative,
        sources=assessment.sources,
        supersedes=assessment,
        correction_reason=reason,
        created_by=actor.user,
        modified_by=actor.user,
    )
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="assessment",
        record_id=new.pk,
        details={"corrects": str(assessment.pk)},
    )
    return new
