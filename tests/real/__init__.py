"""Tests against real services started by the tests themselves."""
