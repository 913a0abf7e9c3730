"""Tests for the printer protocol library (api/)."""
