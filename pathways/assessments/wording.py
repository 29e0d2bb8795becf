"""Operator-supplied wording for licensed instruments, shown in place of the shipped neutral labels."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from django.db import transaction
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from pathways.assessments.instrumentfile import Instrument, Words
from pathways.assessments.models import InstrumentVersion, OperatorWording
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import DataFileError, Problem, validate
from pathways.core.policy import Actor

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class ItemWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: Text
    cy: Text | None = None


class WordingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    instrument: str
    licence: Text
    items: dict[str, ItemWording]

    @model_validator(mode="after")
    def _some_items(self) -> WordingFile:
        if not self.items:
            raise ValueError("give the wording of at least one item")
        return self


@transaction.atomic
def load_wording(*, path: Path, actor: Actor | None = None) -> OperatorWording:
    """Validate a wording file against the instrument's current version and keep it (replacing any before)."""
    wording, _data, index = validate(path, WordingFile)
    version = InstrumentVersion.objects.filter(instrument=wording.instrument).first()
    if version is None:
        raise DataFileError(
            [
                Problem(
                    str(path),
                    index.get(("instrument",)),
                    "instrument",
                    f"no instrument {wording.instrument!r} is loaded",
                )
            ]
        )
    definition = Instrument.model_validate(version.definition)
    known = {i.id for s in definition.sections for i in s.items} | {j.id for j in definition.judgements}
    unknown = [key for key in wording.items if key not in known]
    if unknown:
        raise DataFileError(
            [
                Problem(
                    str(path),
                    index.get(("items", key)),
                    f"items.{key}",
                    f"no item {key!r} in {wording.instrument}; use the ids in its definition",
                )
                for key in unknown
            ]
        )
    saved, _created = OperatorWording.objects.update_or_create(
        instrument=wording.instrument,
        defaults={
            "wording": {k: v.model_dump() for k, v in wording.items.items()},
            "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        },
    )
    audit.entry_record(
        action=AuditAction.REGION_LOADED,
        actor=actor,
        record_type="instrument_wording",
        record_id=wording.instrument,
        details={"items": len(wording.items)},
    )
    return saved


def as_shown(instrument: Instrument) -> Instrument:
    """The definition with the operator's wording, where they loaded any, in place of the neutral labels."""
    found = OperatorWording.objects.filter(instrument=instrument.id).first()
    if found is None:
        return instrument
    text = found.wording

    def relabel(item: object) -> object:
        wording = text.get(item.id)  # type: ignore[attr-defined]
        if not wording:
            return item
        label = Words(en=wording["en"], cy=wording.get("cy") or wording["en"])
        return item.model_copy(update={"label": label})  # type: ignore[attr-defined]

    sections = [s.model_copy(update={"items": [relabel(i) for i in s.items]}) for s in instrument.sections]
    judgements = [relabel(j) for j in instrument.judgements]
    return instrument.model_copy(
        update={"sections": sections, "judgements": judgements, "wording": "full_text"}
    )
