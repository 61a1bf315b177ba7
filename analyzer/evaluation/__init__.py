"""What ``python -m analyzer eval`` runs: labeled rows → metrics with intervals, baselines, a report."""
