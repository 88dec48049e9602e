"""omnistore shared."""
