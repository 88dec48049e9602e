"""The head-office HTTP API (DESIGN §8)."""
