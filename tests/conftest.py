"""Shared fixtures. Ray-based fixtures live in ray_fixtures.py and are imported where needed."""
