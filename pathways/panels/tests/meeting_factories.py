"""Kept for the imports of pathways/core's tests only: the panels' builders are all in
pathways.panels.tests.factories."""

from pathways.panels.tests.factories import dash_answers as dash_answers
