"""Tests for status_tracker."""
