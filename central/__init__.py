"""omnistore central."""
