"""Marketing: campaigns with ledger-held budgets, coupons, red packets and points."""
