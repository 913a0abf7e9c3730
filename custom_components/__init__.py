"""Custom integrations (namespace for tests and scripts/develop)."""
