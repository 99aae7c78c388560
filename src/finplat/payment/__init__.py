"""Funds in and out: deposits and withdrawals through channel adapters, signed callbacks,
channel statements and daily reconciliation. Money moves only through ``finplat.ledger.service``."""
