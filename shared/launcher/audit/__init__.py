"""`omnistore audit`: one store's invariants checked between the store and head office, through their APIs."""
