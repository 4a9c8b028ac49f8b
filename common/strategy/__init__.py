"""The trader's strategy and risk parameters: the alpha core's (``alpha.AlphaConfig``) and the
quoter core's (``quoter.QuoterConfig``), each a frozen dataclass whose defaults and ``#:`` comments
are the documentation, and ``params``, which lays the configuration's ``[strategy]`` and ``[risk]``
values over them per series and checks them (load_settings refuses a configuration they reject).
They live in ``common/`` because every reader of the configuration must be able to check them:
``updown run``, ``updown config``, ``updown ctl reload`` and the control API's reload."""
