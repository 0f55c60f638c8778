"""Tests of the pure domain core: no Home Assistant, milliseconds per test."""
