"""The engine's in-memory model: stacks, their resources and the steps of one resource."""
