"""PrusaLink HTTP API (Buddy firmware and the Raspberry Pi build)."""
