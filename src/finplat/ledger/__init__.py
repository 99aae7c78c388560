"""Double-entry ledger: chart of accounts, journal, balances, holds and verification."""
