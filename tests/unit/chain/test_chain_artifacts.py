"""The artifact loader refuses bytecode that is not the pinned one (no npm needed: a planted cache)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sim.chain.artifacts import CTF, ArtifactError, ArtifactSpec, load_artifact


def _plant(directory: Path, spec: ArtifactSpec, bytecode_hex: str) -> None:
    payload = {"contractName": "ConditionalTokens", "abi": [], "bytecode": bytecode_hex}
    (directory / spec.cache_name).write_text(json.dumps(payload))


def test_a_cached_artifact_whose_bytecode_hash_differs_from_the_pin_is_refused(tmp_path: Path) -> None:
    # Arrange
    _plant(tmp_path, CTF, "0x6080604052")

    # Act / Assert
    with pytest.raises(ArtifactError, match="sha256"):
        load_artifact(CTF, tmp_path)


def test_bytecode_with_unlinked_library_placeholders_is_refused(tmp_path: Path) -> None:
    # Arrange
    _plant(tmp_path, CTF, "0x6080__CTHelpers______________________________6040")

    # Act / Assert
    with pytest.raises(ArtifactError, match="unlinked"):
        load_artifact(CTF, tmp_path)


def test_a_cached_artifact_matching_its_pin_is_loaded_without_fetching(tmp_path: Path) -> None:
    # Arrange: a spec pinned to the planted bytes
    bytecode = bytes.fromhex("6080604052")
    spec = ArtifactSpec(
        "@example/none", "0.0.0", "package/build/contracts/X.json", hashlib.sha256(bytecode).hexdigest()
    )
    _plant(tmp_path, spec, "0x" + bytecode.hex())

    # Act
    artifact = load_artifact(spec, tmp_path)

    # Assert
    assert artifact.bytecode == bytecode
    assert artifact.name == "ConditionalTokens"
