"""Trained scorecards shipped with the package (JSON, see docs/RISK_MODEL.md)."""
