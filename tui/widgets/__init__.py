"""Widgets of the counter UI."""
