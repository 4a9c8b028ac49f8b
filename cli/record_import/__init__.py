"""``updown record import``: the real recordings in ``../shared/data`` as a recording (see README,
"Recordings from real data"): one small pure converter per source kind, one writer."""
