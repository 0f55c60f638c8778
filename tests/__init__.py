"""Tests for status_tracker."""

import pytest

# The shared helpers and fakes assert too; let pytest explain their failures like a test's own asserts.
pytest.register_assert_rewrite("tests.helpers", "tests.core.helpers", "tests.fakes")
