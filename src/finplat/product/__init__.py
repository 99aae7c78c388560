"""Wealth product catalogue: the review workflow, publishing, raising, disclosures."""
