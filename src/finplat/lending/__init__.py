"""Lending: loan schedules, the all-in APR and the allocation of repayments (docs/LENDING.md)."""
