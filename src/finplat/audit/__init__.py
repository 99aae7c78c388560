"""Append-only, hash-chained audit log of state changes and staff reads of personal data."""
