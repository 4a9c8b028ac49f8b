"""discovery: the windows of each configured series, their market records and lifecycle."""
