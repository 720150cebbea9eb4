"""One screen per module, each with its `.kv` layout beside it."""
