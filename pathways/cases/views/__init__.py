"""The case pages, one module per section of a case (see `sections`)."""
