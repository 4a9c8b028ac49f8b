"""A small Ethereum JSON-RPC endpoint over the local chain, enough for web3's HTTP providers.

It serves what a wallet-side client needs to read state, sign locally and send: chain id, nonces,
balances, code, ``eth_call``, gas estimation, fees, ``eth_sendRawTransaction``, receipts,
transactions, blocks and logs. Values are translated from eth-tester's Python shapes (snake_case
keys, integers, bytes) to the JSON-RPC wire (camelCase keys, ``0x`` quantities and data). A revert
is returned as error code 3 with the ABI-encoded ``Error(string)`` in ``data``, as geth does, so
web3 raises its ``ContractLogicError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from aiohttp import web
from eth_abi import encode as abi_encode
from eth_tester.exceptions import BlockNotFound, TransactionFailed, TransactionNotFound, ValidationError

from sim.chain.local_chain import LocalChain

log = logging.getLogger(__name__)

DEFAULT_RPC_PATH = "/chain/rpc"
#: The method that puts a wallet's signed transaction on the chain.
SEND_METHOD = "eth_sendRawTransaction"
#: The priority fee the endpoint suggests (1 gwei, eth-tester's own default).
SUGGESTED_PRIORITY_FEE_WEI = 10**9
#: ``Error(string)`` selector of Solidity revert reasons.
ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
LOGS_BLOOM_BYTES = 256
BLOCK_TAGS = {"latest", "pending", "earliest", "safe", "finalized"}
QUANTITY_KEYS = {
    "gas",
    "gas_price",
    "value",
    "nonce",
    "max_fee_per_gas",
    "max_priority_fee_per_gas",
    "chain_id",
}
CALL_KEYS = {"from", "to", "data", "input", *QUANTITY_KEYS}
#: Gas of an ``eth_call`` / ``eth_estimateGas`` that names none (view reads use far less).
CALL_GAS_LIMIT = 3_000_000

JSONRPC_PARSE_ERROR = -32700
JSONRPC_INVALID_REQUEST = -32600
JSONRPC_METHOD_NOT_FOUND = -32601
JSONRPC_INVALID_PARAMS = -32602
JSONRPC_SERVER_ERROR = -32000
JSONRPC_EXECUTION_REVERTED = 3


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def to_wire(value: Any, key: str = "") -> Any:
    """eth-tester's output → JSON-RPC: camelCase keys, hex quantities, hex data, null addresses."""
    if isinstance(value, dict):
        return {_camel(k): to_wire(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if key == "logs_bloom" and isinstance(value, int):
        return "0x" + value.to_bytes(LOGS_BLOOM_BYTES, "big").hex()
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if key == "to" and value == "":
        return None
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    raise RpcError(JSONRPC_INVALID_PARAMS, f"not a quantity: {value!r}")


def _block(tag: Any) -> Any:
    if tag is None:
        return "latest"
    if isinstance(tag, str) and tag in BLOCK_TAGS:
        return tag
    return _quantity(tag)


def _call_object(obj: dict[str, Any], operator: str) -> dict[str, Any]:
    """A JSON-RPC call/estimate object → eth-tester's transaction dict."""
    tx: dict[str, Any] = {}
    for wire_key, value in obj.items():
        key = _snake(wire_key)
        if key not in CALL_KEYS or value is None:
            continue  # type, accessList, chainId and the like do not change a call's result
        if key == "input":
            key = "data"
        tx[key] = _quantity(value) if key in QUANTITY_KEYS else value
    tx.pop("chain_id", None)
    # eth-tester makes the caller afford gas × fee even for a call: without a sender, use the
    # operator (as web3's own tester provider does), and cap a call's gas far below the block's.
    tx.setdefault("from", operator)
    tx.setdefault("gas", CALL_GAS_LIMIT)
    return tx


def _revert(exc: TransactionFailed) -> RpcError:
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, bytes):
        return RpcError(JSONRPC_EXECUTION_REVERTED, "execution reverted", "0x" + reason.hex())
    text = str(reason).removeprefix("execution reverted: ")
    data = ERROR_STRING_SELECTOR + abi_encode(["string"], [text])
    return RpcError(JSONRPC_EXECUTION_REVERTED, f"execution reverted: {text}", "0x" + data.hex())


class ChainRpc:
    """Dispatch of JSON-RPC requests onto a :class:`LocalChain` (synchronous, one at a time)."""

    def __init__(self, chain: LocalChain) -> None:
        self.chain = chain
        t = chain.tester
        self.methods: dict[str, Callable[..., Any]] = {
            "eth_chainId": lambda: hex(chain.chain_id),
            "net_version": lambda: str(chain.chain_id),
            "web3_clientVersion": lambda: "updown-sim-chain/eth-tester",
            "eth_syncing": lambda: False,
            "eth_accounts": lambda: [],
            "eth_blockNumber": lambda: hex(t.get_block_by_number("latest")["number"]),
            "eth_getBlockByNumber": lambda tag, full=False: to_wire(t.get_block_by_number(_block(tag), full)),
            "eth_getBlockByHash": lambda h, full=False: to_wire(t.get_block_by_hash(h, full)),
            "eth_getBalance": lambda a, tag=None: hex(t.get_balance(a, _block(tag))),
            "eth_getCode": lambda a, tag=None: to_wire(t.get_code(a, _block(tag))),
            "eth_getTransactionCount": lambda a, tag=None: hex(t.get_nonce(a, _block(tag))),
            "eth_call": lambda obj, tag=None, *_: to_wire(t.call(_call_object(obj, chain.operator), _block(tag))),
            "eth_estimateGas": lambda obj, tag=None, *_: hex(
                t.estimate_gas(_call_object(obj, chain.operator), _block(tag))
            ),
            "eth_gasPrice": self._gas_price,
            "eth_maxPriorityFeePerGas": lambda: hex(SUGGESTED_PRIORITY_FEE_WEI),
            "eth_feeHistory": self._fee_history,
            "eth_sendRawTransaction": self._send_raw,
            "eth_getTransactionReceipt": self._receipt,
            "eth_getTransactionByHash": self._transaction,
            "eth_getLogs": self._logs,
        }

    def _gas_price(self) -> str:
        base = self.chain.tester.get_block_by_number("pending").get("base_fee_per_gas", 0)
        return hex(base + SUGGESTED_PRIORITY_FEE_WEI)

    def _fee_history(self, count: Any, newest: Any, percentiles: Any = ()) -> Any:
        history = self.chain.tester.get_fee_history(_quantity(count), _block(newest), list(percentiles or []))
        wire = to_wire(history)
        # JSON-RPC lists one base fee more than blocks asked: the next block's (eth-tester omits it).
        wire["baseFeePerGas"].append(hex(self.chain.tester.get_block_by_number("pending")["base_fee_per_gas"]))
        return wire

    def _send_raw(self, raw: str) -> str:
        tx_hash: str = self.chain.tester.send_raw_transaction(raw)
        return tx_hash

    def _receipt(self, tx_hash: str) -> Any:
        try:
            receipt = self.chain.tester.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None
        return None if receipt.get("block_number") is None else to_wire(receipt)

    def _transaction(self, tx_hash: str) -> Any:
        try:
            return to_wire(self.chain.tester.get_transaction_by_hash(tx_hash))
        except TransactionNotFound:
            return None

    def _logs(self, query: dict[str, Any]) -> Any:
        logs = self.chain.tester.get_logs(
            from_block=_block(query.get("fromBlock")) if "fromBlock" in query else None,
            to_block=_block(query.get("toBlock")) if "toBlock" in query else None,
            address=query.get("address"),
            topics=query.get("topics"),
        )
        return to_wire(logs)

    def handle(self, request: Any) -> dict[str, Any]:
        """One JSON-RPC request object → its response object."""
        if not isinstance(request, dict) or "method" not in request:
            return _error(None, RpcError(JSONRPC_INVALID_REQUEST, "invalid request"))
        request_id = request.get("id")
        method = self.methods.get(request["method"])
        if method is None:
            return _error(request_id, RpcError(JSONRPC_METHOD_NOT_FOUND, f"method {request['method']} not found"))
        try:
            result = method(*request.get("params", []))
        except RpcError as exc:
            return _error(request_id, exc)
        except TransactionFailed as exc:
            return _error(request_id, _revert(exc))
        except (ValidationError, BlockNotFound, TypeError, ValueError) as exc:
            return _error(request_id, RpcError(JSONRPC_SERVER_ERROR, str(exc)))
        except Exception as exc:  # py-evm raises its own validation errors: still a JSON-RPC error
            log.debug("chain rpc %s failed", request["method"], exc_info=True)
            return _error(request_id, RpcError(JSONRPC_SERVER_ERROR, f"{type(exc).__name__}: {exc}"))
        return {"jsonrpc": "2.0", "id": request_id, "result": result}


def _error(request_id: Any, exc: RpcError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.data is not None:
        error["data"] = exc.data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def add_rpc_route(
    app: web.Application,
    chain: LocalChain,
    path: str = DEFAULT_RPC_PATH,
    executor: Executor | None = None,
    after_send: Callable[[], None] | None = None,
) -> ChainRpc:
    """Serve the chain's JSON-RPC (single and batch requests) at ``POST path``.

    A transaction costs the EVM tens of milliseconds. Without ``executor`` it runs on the event
    loop (simplest; fine for tests). With a single-thread ``executor`` the loop keeps serving
    websockets meanwhile; then every other use of ``chain`` must go through that same executor,
    because :class:`LocalChain` is not thread-safe. ``after_send`` runs (there too) after a request
    that sent a transaction, before it is answered (the emulator reads the approvals it may change).
    """
    rpc = ChainRpc(chain)

    def answer(body: Any) -> Any:
        items = body if isinstance(body, list) else [body]
        answers = [rpc.handle(item) for item in items]
        if after_send is not None and any(isinstance(i, dict) and i.get("method") == SEND_METHOD for i in items):
            after_send()
        return answers if isinstance(body, list) else answers[0]

    async def handle(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response(_error(None, RpcError(JSONRPC_PARSE_ERROR, "parse error")))
        if executor is None:
            return web.json_response(answer(body))
        loop = asyncio.get_running_loop()
        return web.json_response(await loop.run_in_executor(executor, answer, body))

    app.router.add_post(path, handle)
    return rpc
