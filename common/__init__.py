"""Leaf helpers under every app: they import Django and no app of ours."""
