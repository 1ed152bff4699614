"""Application services: each SOP step's work, wiring the pure domain to the adapters."""
