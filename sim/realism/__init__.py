"""How the emulator's market compares with the real one: statistics of a book sampled once a second,
the same statistics computed from the recorded data, and the world's parameters derived from it."""
