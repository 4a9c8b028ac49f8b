"""The emulator's chain: a local EVM (py-evm via eth-tester) running the real ConditionalTokens bytecode.

- :mod:`sim.chain.artifacts`: the pinned npm artifacts (fetched with ``npm pack``, sha256-checked).
- :class:`sim.chain.local_chain.LocalChain`: deploy, fund, prepare/resolve conditions, mint full sets,
  move positions, read balances.
- :func:`sim.chain.rpc.add_rpc_route`: the JSON-RPC endpoint web3 talks to (``/chain/rpc``).

Nothing here imports the bot's ``common`` package: the two sides meet only on the wire.
"""
