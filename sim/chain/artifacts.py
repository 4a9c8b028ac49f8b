"""The compiled contracts the emulator's chain deploys, fetched from npm and pinned by hash.

No bytecode is committed: :func:`load_artifact` runs ``npm pack <package>@<exact version>`` once
into a cache directory, extracts the one build JSON it needs, and checks the sha256 of its creation
bytecode against a pinned value, so a registry or version change cannot silently swap the code the
chain runs.

- ConditionalTokens: the real Gnosis bytecode (``@gnosis.pm/conditional-tokens-contracts`` 1.0.3,
  solc 0.5.10), the contract Polymarket deployed on Polygon. Its ``CTHelpers`` library functions
  are all ``internal``, so the creation bytecode has no ``__CTHelpers__`` link placeholders; the
  loader still refuses any artifact with unlinked placeholders.
- The collateral: OpenZeppelin 4.9.6 ``ERC20PresetMinterPauser`` (mintable by a role). Its
  ``decimals()`` reports 18, fixed at compile time; nothing on chain depends on it (the CTF moves
  raw units), and every amount here is a raw unit read as one micro-pUSD, exactly like pUSD's 6
  decimals. Callers must not scale by ``decimals()``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Cache of fetched artifacts; ``UPDOWN_ARTIFACTS_DIR`` overrides it.
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "updown" / "chain-artifacts"
#: The longest an ``npm pack`` may take before the fetch is abandoned.
NPM_PACK_TIMEOUT_S = 120

CTF_PACKAGE = "@gnosis.pm/conditional-tokens-contracts"
CTF_VERSION = "1.0.3"
CTF_MEMBER = "package/build/contracts/ConditionalTokens.json"
#: sha256 of the ConditionalTokens creation bytecode (raw bytes) in that package version.
CTF_BYTECODE_SHA256 = "a3d890ef3fcd04dc43402c26baf625338d94f01cb11a35d88e0b4ce6ef949070"

COLLATERAL_PACKAGE = "@openzeppelin/contracts"
COLLATERAL_VERSION = "4.9.6"
COLLATERAL_MEMBER = "package/build/contracts/ERC20PresetMinterPauser.json"
#: sha256 of the ERC20PresetMinterPauser creation bytecode (raw bytes) in that package version.
COLLATERAL_BYTECODE_SHA256 = "a0dbee0b6f438202ecde1fe34bb9c92fc0431bf40ec13b853c30c21ef487f075"


class ArtifactError(RuntimeError):
    """An artifact could not be fetched, or is not the pinned one."""


class NpmMissingError(ArtifactError):
    """``npm`` is not on the PATH, so the artifacts cannot be fetched."""


@dataclass(frozen=True)
class ArtifactSpec:
    package: str
    version: str
    member: str
    bytecode_sha256: str

    @property
    def cache_name(self) -> str:
        stem = Path(self.member).stem
        return f"{self.package.replace('/', '_').lstrip('@')}-{self.version}-{stem}.json"


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes


CTF = ArtifactSpec(CTF_PACKAGE, CTF_VERSION, CTF_MEMBER, CTF_BYTECODE_SHA256)
COLLATERAL = ArtifactSpec(COLLATERAL_PACKAGE, COLLATERAL_VERSION, COLLATERAL_MEMBER, COLLATERAL_BYTECODE_SHA256)


def cache_dir() -> Path:
    override = os.environ.get("UPDOWN_ARTIFACTS_DIR")
    return Path(override) if override else DEFAULT_CACHE_DIR


def load_artifact(spec: ArtifactSpec, directory: Path | None = None) -> Artifact:
    """The verified abi and creation bytecode of ``spec``, fetching it with npm on first use."""
    directory = directory or cache_dir()
    path = directory / spec.cache_name
    if not path.exists():
        _fetch(spec, path)
    raw = json.loads(path.read_text())
    bytecode_hex: str = raw["bytecode"]
    if "__" in bytecode_hex:
        raise ArtifactError(f"{spec.member} has unlinked library placeholders; link them before deploying")
    bytecode = bytes.fromhex(bytecode_hex.removeprefix("0x"))
    digest = hashlib.sha256(bytecode).hexdigest()
    if digest != spec.bytecode_sha256:
        raise ArtifactError(
            f"{spec.package}@{spec.version} {spec.member}: bytecode sha256 {digest} != pinned {spec.bytecode_sha256}"
        )
    return Artifact(name=raw.get("contractName", Path(spec.member).stem), abi=raw["abi"], bytecode=bytecode)


def _fetch(spec: ArtifactSpec, path: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissingError("npm is not installed: cannot fetch the pinned contract artifacts")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        done = subprocess.run(
            [npm, "pack", f"{spec.package}@{spec.version}", "--pack-destination", tmp, "--silent"],
            capture_output=True,
            text=True,
            timeout=NPM_PACK_TIMEOUT_S,
            check=False,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise ArtifactError(f"npm pack {spec.package}@{spec.version} failed: {done.stderr.strip()[-500:]}")
        with tarfile.open(tarballs[0], "r:gz") as tar:
            member = tar.extractfile(spec.member)
            if member is None:
                raise ArtifactError(f"{spec.member} not in {spec.package}@{spec.version}")
            content = json.loads(member.read())
        slim = {
            "contractName": content.get("contractName"),
            "abi": content["abi"],
            "bytecode": content["bytecode"],
        }
        staged = Path(tmp) / "artifact.json"
        staged.write_text(json.dumps(slim))
        # Atomic: a concurrent loader sees either no file or the whole one.
        staged.replace(path)
