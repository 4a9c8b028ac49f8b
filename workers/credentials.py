"""The venue's API credentials for the workers that need them (feed-user, executor, merger, rewards).

In sim mode ``updown run`` derives them from the emulator after it starts, so a worker that needs
them waits (re-reading the configuration) instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping

from common.clob.auth import ApiCreds
from common.clob.signing import OrderSigner
from common.config import load_settings
from common.config.settings import Settings, WalletSettings
from common.runner import Context

#: How often a worker looks again for credentials that are not there yet.
CREDENTIALS_RETRY_S = 2.0


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
