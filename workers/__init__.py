"""One package per worker: a pure core (no I/O) and a thin loop registered with the runner."""
