"""Scheduling, background actions and stack locks: knows stack ids, never a Stack."""
