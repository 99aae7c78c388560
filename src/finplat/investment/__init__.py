"""Investor suitability, orders, holdings, daily accrual and maturity payouts."""
