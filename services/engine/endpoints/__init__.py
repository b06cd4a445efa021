"""The engine's RPC face: check arguments, call one use case, shape the reply."""
