"""Operations helpers that run beside the workers (supervisord event listeners)."""
