"""Screens of the counter UI."""
