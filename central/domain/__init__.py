"""Head-office rules: pure functions of values, no I/O."""
