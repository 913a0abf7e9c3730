"""Browser end-to-end tests: one real Home Assistant, both simulators, Debian's Chromium."""
