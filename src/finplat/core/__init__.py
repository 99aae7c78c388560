"""Shared kernel: settings-bound database, money, time, errors, crypto. Imports no domain package."""
