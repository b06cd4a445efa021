"""Building, loading and storing stacks; every row write of the engine goes through here."""
