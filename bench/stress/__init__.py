"""`updown stress`: a recording through the real worker processes at N times its pace."""
