"""omnistore edge."""
