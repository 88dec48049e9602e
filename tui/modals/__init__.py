"""Dialogs over a working screen: payment, a manager's approval, a small form."""
