"""The use cases: create, delete, rollback, update, preview, cancel — each a caller of one runner."""
