"""The police data's analyst, for every police test."""

import pytest

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.police.tests import police_extracts


@pytest.fixture
def analyst(cast: dict[str, User]) -> Actor:
    return police_extracts.analyst(cast)
