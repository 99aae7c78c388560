"""Shared kernel: database, money, time, errors, crypto. Imports no domain package."""
