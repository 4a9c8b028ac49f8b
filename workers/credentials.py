"""The venue's API credentials for the workers that need them (feed-user, executor, merger, rewards).

In sim mode ``updown run`` derives them from the emulator after it starts, so a worker that needs
them waits (re-reading the configuration) instead of failing.

An executor scaled out signs with a key of each instance's own (``workers.executor.handover``): the
wallet's key for the L1 nonce :func:`key_nonce` of the instance's name, derived by whoever needs it
(the instance itself, the instance taking a series over, feed-user for that key's user channel)
from the wallet; only the names are shared, in ``EXEC_INSTANCES_KEY``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from common.clob.auth import ApiCreds, L1Signer
from common.clob.client import AsyncClobClient
from common.clob.signing import OrderSigner
from common.clock import Clock
from common.config import load_settings
from common.config.settings import Settings, WalletSettings
from common.runner import Context

#: How often a worker looks again for credentials that are not there yet.
CREDENTIALS_RETRY_S = 2.0
#: Redis set of the names of the executor instances that ever ran with a key of their own.
EXEC_INSTANCES_KEY = "exec:instances"
#: Bytes of the name's SHA-256 that make its nonce (below 2^63; nonce 0 stays the wallet's main key).
NONCE_BYTES = 8


class MissingCredentials(RuntimeError):
    pass


def credentials(wallet: WalletSettings) -> dict[str, str]:
    """The credentials as the user websocket's auth frame names them; MissingCredentials if absent."""
    if not (wallet.api_key and wallet.api_secret and wallet.api_passphrase):
        raise MissingCredentials("this worker needs wallet.api_key, wallet.api_secret and wallet.api_passphrase "
                                 "(files in the secrets directory, or UPDOWN_WALLET__API_* variables)")  # fmt: skip
    return {"apiKey": wallet.api_key.get_secret_value(), "secret": wallet.api_secret.get_secret_value(),
            "passphrase": wallet.api_passphrase.get_secret_value()}  # fmt: skip


def api_creds(creds: Mapping[str, str]) -> ApiCreds:
    """The REST client's credentials from those of :func:`credentials`."""
    return ApiCreds(api_key=creds["apiKey"], secret=creds["secret"], passphrase=creds["passphrase"])


def order_signer(settings: Settings) -> OrderSigner:
    """The signer of our orders, for the configured wallet (funder and signature type included)."""
    wallet = settings.wallet
    if wallet.private_key is None:
        raise RuntimeError("signing orders needs wallet.private_key (secrets directory or UPDOWN_WALLET__PRIVATE_KEY)")
    return OrderSigner(wallet.private_key, chain_id=settings.venue.chain_id, funder=wallet.funder,
                       signature_type=wallet.signature_type)  # fmt: skip


async def wait_for_credentials(ctx: Context) -> dict[str, str] | None:
    """The credentials once they exist (None when asked to stop first); warns once while waiting."""
    warned = False
    while True:
        try:
            return credentials(ctx.settings.wallet)
        except MissingCredentials as exc:
            if not warned:
                ctx.log.warning("waiting_for_credentials", reason=str(exc))
                warned = True
        if not await ctx.sleep(CREDENTIALS_RETRY_S):
            return None
        ctx.settings = load_settings()


def key_nonce(instance: str) -> int:
    """The L1 nonce of an executor instance's API key: from its name alone, never 0."""
    digest = hashlib.sha256(instance.encode()).digest()[:NONCE_BYTES]
    return (int.from_bytes(digest, "big") >> 1) or 1


def l1_client(settings: Settings, clock: Clock) -> AsyncClobClient:
    """A venue client that can create or derive the wallet's API keys (then use the last one)."""
    wallet = settings.wallet
    if wallet.private_key is None:
        raise MissingCredentials("deriving an executor instance's API key needs wallet.private_key")
    signer = L1Signer(wallet.private_key, settings.venue.chain_id)
    return AsyncClobClient(settings.venue.clob_url, clock, address=signer.address, l1=signer)


async def instance_key(settings: Settings, clock: Clock, instance: str) -> ApiCreds:
    """An executor instance's API key, created or derived from the venue."""
    client = l1_client(settings, clock)
    try:
        await client.sync_time()
        return await client.create_or_derive_api_key(key_nonce(instance))
    finally:
        await client.aclose()


def instance_feed(instance: str) -> str:
    """The feed (``state:feeds``) of an executor instance's key's user channel."""
    return f"user:{instance}"


def ws_credentials(creds: ApiCreds) -> dict[str, str]:
    """A key's credentials as the user websocket's auth frame names them (never logged)."""
    return {"apiKey": creds.api_key, "secret": creds.secret.get_secret_value(),
            "passphrase": creds.passphrase.get_secret_value()}  # fmt: skip
