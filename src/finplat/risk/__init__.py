"""Risk control: the credit scorecard (``risk.scorecard``), the applicant's features
(``risk.applicant``) and the credit-bureau adapter (``risk.bureau``)."""
