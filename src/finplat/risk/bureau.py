"""The credit bureau (征信) adapter: what the scorecard needs beyond the application.

``CreditBureau`` is the port; a real adapter queries a bureau over the network with a timeout.
``SimulatedBureau`` is the default: it derives a plausible report from the ID number alone
(SHA-256 of the number seeds a private random generator), so demos and tests repeat exactly.
Its distributions follow the training data roughly: most people have never been late, a few
have been late many times, and lateness, high utilisation and few credit lines go together
through one hidden "riskiness" per person.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Protocol

SIMULATOR_SALT = "finplat.bureau.simulator/1"  # change to draw a new simulated population


@dataclass(frozen=True)
class BureauReport:
    revolving_utilization: float  # balances on cards and revolving lines / their limits
    past_due_30_59: int  # times 30-59 days late in the last two years
    past_due_60_89: int
    past_due_90: int  # times 90 days or more late
    open_credit_lines: int  # open loans and credit cards
    real_estate_loans: int  # mortgages and real-estate loans or lines
    source: str  # which bureau (or "simulator")


class BureauUnavailable(Exception):
    """The bureau could not answer in time; the caller decides (usually: refer, not decline)."""


class CreditBureau(Protocol):
    async def report(self, *, id_number: str) -> BureauReport:
        """The applicant's report. Raises ``BureauUnavailable``."""
        ...


def _lateness(rng: random.Random, riskiness: float, scale: float) -> int:
    """A count of late payments: usually 0; more and more likely as riskiness grows."""
    if rng.random() > scale * riskiness:
        return 0
    count = 1
    while count < 15 and rng.random() < 0.35 + 0.4 * riskiness:
        count += 1
    return count


def simulate(id_number: str) -> BureauReport:
    """A deterministic, plausible report for an ID number (same number, same report)."""
    seed = hashlib.sha256(f"{SIMULATOR_SALT}:{id_number.strip().upper()}".encode()).digest()
    # A simulation, not a secret: a seeded generator is what makes it repeatable.
    rng = random.Random(int.from_bytes(seed[:8], "big"))  # noqa: S311
    # Riskiness in [0, 1], skewed low: about one person in ten is clearly risky.
    riskiness = rng.betavariate(0.7, 4.0)
    if rng.random() < 0.2:
        utilization = rng.uniform(0.0, 0.05)  # a fifth barely use their cards
    else:
        utilization = min(rng.betavariate(0.8 + 4 * riskiness, 1.6), 1.0)
        if rng.random() < 0.03 + 0.2 * riskiness:
            utilization *= rng.uniform(1.0, 1.6)  # over the limit
    open_lines = max(0, round(rng.gauss(8.5 - 3 * riskiness, 4.5)))
    real_estate = min(open_lines, max(0, round(rng.gauss(1.0 - riskiness, 1.0))))
    return BureauReport(
        revolving_utilization=round(utilization, 4),
        past_due_30_59=_lateness(rng, riskiness, 0.9),
        past_due_60_89=_lateness(rng, riskiness, 0.35),
        past_due_90=_lateness(rng, riskiness, 0.4),
        open_credit_lines=open_lines,
        real_estate_loans=real_estate,
        source="simulator",
    )


class SimulatedBureau:
    """The default ``CreditBureau``: ``simulate`` behind the port."""

    async def report(self, *, id_number: str) -> BureauReport:
        return simulate(id_number)
