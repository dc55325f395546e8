"""Use cases that combine the pure packages with the store (the imperative shell)."""
