"""Contracts the emulator writes itself, compiled with solc-js fetched from npm and pinned by hash.

Polymarket's Protocol V2 contracts (the Router and the PositionManager) have no published build, so
the emulator deploys its own stand-in (``contracts/ProtocolV2Local.sol``). No bytecode is committed:
:func:`load_compiled` runs ``npm pack solc@<version>`` once into the artifacts cache, compiles the
source with the emscripten build inside that package (``soljson.js``, driven by ``node`` through its
``solidity_compile`` entry point, so no other npm package is needed), and checks the sha256 of each
contract's creation bytecode against a pinned value: a changed compiler or source cannot silently
change the code the chain runs. The compiled output is cached next to the npm artifacts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.chain.artifacts import NPM_PACK_TIMEOUT_S, Artifact, ArtifactError, NpmMissingError, cache_dir

SOLC_PACKAGE = "solc"
SOLC_VERSION = "0.8.28"
#: py-evm's eth-tester runs a fork without Cancun's opcodes: compile for the last one it has.
EVM_VERSION = "paris"
OPTIMIZER_RUNS = 200
#: The longest one compilation may take (about 1 s on the 2-core VM).
COMPILE_TIMEOUT_S = 120
CONTRACTS_DIR = Path(__file__).parent / "contracts"

#: The driver: reads standard JSON on stdin, writes solc's standard JSON output on stdout.
_DRIVER = """
const soljson = require(process.argv[process.argv.length - 1]);
const compile = soljson.cwrap('solidity_compile', 'string', ['string', 'number', 'number']);
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => { process.stdout.write(compile(input, 0, 0)); });
"""


@dataclass(frozen=True)
class SourceSpec:
    source: str
    #: contract name → sha256 of its creation bytecode under the pinned compiler and settings.
    bytecode_sha256: dict[str, str]


PROTOCOL_V2 = SourceSpec(
    "ProtocolV2Local.sol",
    {
        "RouterLocal": "ffc22be4f63e882b049a431ebf9959843a30b2103292dd4c42f4aebcb65bc3a7",
        "PositionManagerLocal": "0d7be1adf8c8a09e9dbc2f4bf370a1b25de098428dbbc44be1eb467e34160ff4",
    },
)


def load_compiled(spec: SourceSpec, contract: str, directory: Path | None = None) -> Artifact:
    """The verified abi and creation bytecode of ``contract`` in ``spec``, compiling on first use."""
    directory = directory or cache_dir()
    source = (CONTRACTS_DIR / spec.source).read_text()
    digest = hashlib.sha256(f"{SOLC_VERSION}:{EVM_VERSION}:{OPTIMIZER_RUNS}:{source}".encode()).hexdigest()[:16]
    path = directory / f"compiled-{Path(spec.source).stem}-{digest}.json"
    if not path.exists():
        _compile(spec.source, source, path, directory)
    output = json.loads(path.read_text())[contract]
    bytecode = bytes.fromhex(output["bytecode"])
    actual = hashlib.sha256(bytecode).hexdigest()
    if actual != spec.bytecode_sha256[contract]:
        pinned = spec.bytecode_sha256[contract]
        raise ArtifactError(f"{spec.source} {contract}: bytecode sha256 {actual} != pinned {pinned}")
    return Artifact(name=contract, abi=output["abi"], bytecode=bytecode)


def _solc(directory: Path) -> Path:
    """The path of ``soljson.js`` of the pinned solc-js, fetched with npm on first use."""
    target = directory / f"solc-{SOLC_VERSION}" / "soljson.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissingError("npm is not installed: cannot fetch the Solidity compiler")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        done = subprocess.run([npm, "pack", f"{SOLC_PACKAGE}@{SOLC_VERSION}", "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, timeout=NPM_PACK_TIMEOUT_S, check=False)  # fmt: skip
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise ArtifactError(f"npm pack {SOLC_PACKAGE}@{SOLC_VERSION} failed: {done.stderr.strip()[-500:]}")
        with tarfile.open(tarballs[0], "r:gz") as tar:
            member = tar.extractfile("package/soljson.js")
            if member is None:
                raise ArtifactError(f"soljson.js not in {SOLC_PACKAGE}@{SOLC_VERSION}")
            staged = Path(tmp) / "soljson.js"
            staged.write_bytes(member.read())
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.replace(target)
    return target


def _compile(name: str, source: str, path: Path, directory: Path) -> None:
    node = shutil.which("node")
    if node is None:
        raise NpmMissingError("node is not installed: cannot compile the emulator's contracts")
    soljson = _solc(directory)
    request = {
        "language": "Solidity",
        "sources": {name: {"content": source}},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    done = subprocess.run([node, "-e", _DRIVER, str(soljson)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=COMPILE_TIMEOUT_S, check=False)  # fmt: skip
    if done.returncode != 0:
        raise ArtifactError(f"compiling {name} failed: {done.stderr.strip()[-500:]}")
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ArtifactError(f"compiling {name}: {errors[0].get('formattedMessage', errors[0])}")
    contracts = {
        contract: {"abi": built["abi"], "bytecode": built["evm"]["bytecode"]["object"]}
        for contract, built in output["contracts"][name].items()
    }
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as staged:
        json.dump(contracts, staged)
    Path(staged.name).replace(path)  # atomic: a concurrent loader sees no file or the whole one
