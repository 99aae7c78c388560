"""The ledger's public service API. Every function works in the caller's transaction
(``session``) and is keyword-only; amounts are ``Money``.

Other packages call these (``from finplat.ledger import service as ledger_service``) and nothing
else in this package.
"""

from __future__ import annotations

from finplat.ledger.accounts import (
    ensure_platform_accounts,
    open_customer_wallet,
    wallet_of,
)

__all__ = [
    "ensure_platform_accounts",
    "open_customer_wallet",
    "wallet_of",
]
