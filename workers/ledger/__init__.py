"""The ledger: fills, merges and redemptions in; positions, cost, PnL and fees out."""
