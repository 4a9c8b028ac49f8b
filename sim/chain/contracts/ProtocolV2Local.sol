// SPDX-License-Identifier: MIT
// The emulator's stand-in for Polymarket's Protocol V2 binary markets (reference §1.6, §8.1, §8.3):
// an ERC-1155 PositionManager holding the outcome positions and a Router that splits, merges and
// redeems them against the collateral. Written for the emulator from the calls the official SDK
// makes (Router.split/merge(bytes31,uint256), redeem(bytes31,uint256,uint256); PositionManager as
// the ERC-1155 of V2 position ids, approved for the Router and ExchangeV3); it is not Polymarket's
// code, whose source is not public. A market id is 31 bytes; the position id of outcome i is
// uint256(bytes32(marketId) | i): the market id followed by the outcome index byte.
pragma solidity 0.8.28;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}

interface IERC1155ReceiverLike {
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4);
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external returns (bytes4);
}

contract PositionManagerLocal {
    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
    event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
    event ApprovalForAll(address indexed account, address indexed operator, bool approved);

    mapping(uint256 => mapping(address => uint256)) private _balances;
    mapping(address => mapping(address => bool)) private _approvals;
    address public immutable router;

    constructor() {
        router = msg.sender;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0xd9b67a26 || id == 0x01ffc9a7; // ERC-1155, ERC-165
    }

    function balanceOf(address account, uint256 id) public view returns (uint256) {
        return _balances[id][account];
    }

    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory out) {
        require(accounts.length == ids.length, "length mismatch");
        out = new uint256[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) out[i] = _balances[ids[i]][accounts[i]];
    }

    function setApprovalForAll(address operator, bool approved) external {
        _approvals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address account, address operator) public view returns (bool) {
        return _approvals[account][operator];
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes calldata data) external {
        require(from == msg.sender || _approvals[from][msg.sender], "not owner nor approved");
        _move(from, to, id, amount);
        emit TransferSingle(msg.sender, from, to, id, amount);
        if (to.code.length > 0) {
            require(IERC1155ReceiverLike(to).onERC1155Received(msg.sender, from, id, amount, data) == 0xf23a6e61, "rejected");
        }
    }

    function safeBatchTransferFrom(address from, address to, uint256[] calldata ids, uint256[] calldata amounts,
                                   bytes calldata data) external {
        require(from == msg.sender || _approvals[from][msg.sender], "not owner nor approved");
        require(ids.length == amounts.length, "length mismatch");
        for (uint256 i = 0; i < ids.length; i++) _move(from, to, ids[i], amounts[i]);
        emit TransferBatch(msg.sender, from, to, ids, amounts);
        if (to.code.length > 0) {
            require(IERC1155ReceiverLike(to).onERC1155BatchReceived(msg.sender, from, ids, amounts, data) == 0xbc197c81,
                    "rejected");
        }
    }

    /// Mint and burn are the Router's; burning another account's positions needs its approval of the Router.
    function mint(address to, uint256 id, uint256 amount) external {
        require(msg.sender == router, "only router");
        _balances[id][to] += amount;
        emit TransferSingle(msg.sender, address(0), to, id, amount);
    }

    function burn(address from, uint256 id, uint256 amount) external {
        require(msg.sender == router, "only router");
        require(_approvals[from][router], "router not approved");
        require(_balances[id][from] >= amount, "insufficient balance");
        _balances[id][from] -= amount;
        emit TransferSingle(msg.sender, from, address(0), id, amount);
    }

    function _move(address from, address to, uint256 id, uint256 amount) private {
        require(to != address(0), "zero address");
        require(_balances[id][from] >= amount, "insufficient balance");
        _balances[id][from] -= amount;
        _balances[id][to] += amount;
    }
}

contract RouterLocal {
    event MarketPrepared(bytes31 indexed market);
    event MarketResolved(bytes31 indexed market, uint256 winner);

    IERC20Like public immutable collateral;
    PositionManagerLocal public immutable positionManager;
    address public immutable oracle;
    mapping(bytes31 => bool) public prepared;
    /// The payout vector of a resolved market, as the CTF keeps it: numerators per outcome, denominator 0 until then.
    mapping(bytes31 => uint256[2]) private _numerators;
    mapping(bytes31 => uint256) public payoutDenominator;

    constructor(address collateral_) {
        collateral = IERC20Like(collateral_);
        positionManager = new PositionManagerLocal();
        oracle = msg.sender;
    }

    function positionId(bytes31 market, uint256 outcome) public pure returns (uint256) {
        return uint256(bytes32(market)) | outcome;
    }

    function payoutNumerators(bytes31 market, uint256 outcome) external view returns (uint256) {
        return _numerators[market][outcome];
    }

    function prepareMarket(bytes31 market) external {
        require(msg.sender == oracle, "only oracle");
        prepared[market] = true;
        emit MarketPrepared(market);
    }

    function reportPayouts(bytes31 market, uint256 winner) external {
        require(msg.sender == oracle, "only oracle");
        require(prepared[market], "unknown market");
        require(payoutDenominator[market] == 0, "already resolved");
        require(winner < 2, "binary market");
        _numerators[market][winner] = 1;
        payoutDenominator[market] = 1;
        emit MarketResolved(market, winner);
    }

    function split(bytes31 market, uint256 amount) external {
        require(prepared[market], "unknown market");
        require(payoutDenominator[market] == 0, "market resolved");
        require(collateral.transferFrom(msg.sender, address(this), amount), "collateral transfer failed");
        positionManager.mint(msg.sender, positionId(market, 0), amount);
        positionManager.mint(msg.sender, positionId(market, 1), amount);
    }

    function merge(bytes31 market, uint256 amount) external {
        require(prepared[market], "unknown market");
        positionManager.burn(msg.sender, positionId(market, 0), amount);
        positionManager.burn(msg.sender, positionId(market, 1), amount);
        require(collateral.transfer(msg.sender, amount), "collateral transfer failed");
    }

    function redeem(bytes31 market, uint256 outcome, uint256 amount) external {
        uint256 denominator = payoutDenominator[market];
        require(denominator > 0, "market not resolved");
        require(outcome < 2, "binary market");
        positionManager.burn(msg.sender, positionId(market, outcome), amount);
        uint256 payout = amount * _numerators[market][outcome] / denominator;
        if (payout > 0) require(collateral.transfer(msg.sender, payout), "collateral transfer failed");
    }
}
