"""The recorder: every stream to rotating compressed files (see README, "Recording")."""
