"""Read models and dashboards for operators: funds, sales, loan book quality, user behaviour."""
