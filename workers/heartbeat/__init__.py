"""The demo pair that proves the spine: a heartbeat producer and a relay that records each beat once."""
