"""The credit scorecard. Scoring (``model``) needs the standard library only; training
(``train``) needs the ``scorecard`` extra (optbinning, scikit-learn)."""

from finplat.risk.scorecard.model import Decision, Reason, Scorecard, load, load_default, score

__all__ = ["Decision", "Reason", "Scorecard", "load", "load_default", "score"]
