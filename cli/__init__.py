"""The ``updown`` command."""
