"""Store rules: pure functions of values, no I/O."""
