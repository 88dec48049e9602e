"""omnistore tui."""
