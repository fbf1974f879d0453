"""The governance stage: board packs, model cards, fairness audits of scores, retention and subject access."""
