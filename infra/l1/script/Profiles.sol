// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RegistryConfig} from "../src/interfaces/ISequencerRegistry.sol";
import {RollupConfig} from "../src/interfaces/IFernetRollup.sol";

/// @notice One deployment profile of PROTOCOL.md: every duration (L1 blocks) and amount (token wei).
struct Profile {
    string name;
    uint256 l1BlockSeconds;
    /// @dev Slot 0 starts this many blocks after the block the deploy script runs at, so the genesis
    /// block is known before the transactions land and the deployment file can state it exactly.
    uint256 genesisDelayBlocks;
    uint256 finalityDepth;
    bool mintable;
    uint256 initialSupply;
    uint256 devnetAccountFunding;
    uint256 rewardFunding;
    RegistryConfig registry;
    RollupConfig rollup;
}

/// @title Profiles
/// @notice The devnet and mainnet-like parameters, in one place for the deploy script and the tests.
library Profiles {
    /// @notice The election seed of the first `LAG` slots (before any RANDAO is stored).
    uint256 internal constant GENESIS_SEED = uint256(keccak256("FernetRollup genesis seed"));

    /// @notice Anvil, 1 s blocks: a slot is 3 + 2 + 2 + 10 + 5 = 22 blocks (22 s).
    function devnet() internal pure returns (Profile memory p) {
        p.name = "devnet";
        p.l1BlockSeconds = 1;
        p.genesisDelayBlocks = 10;
        p.finalityDepth = 2;
        p.mintable = true;
        p.initialSupply = 0;
        p.devnetAccountFunding = 1_000_000 ether;
        p.rewardFunding = 1_000_000 ether;
        p.registry = RegistryConfig({minStake: 100 ether, entryPeriod: 20, exitDelay: 30, maxCommissionBps: 5_000});
        p.rollup = RollupConfig({
            genesisBlock: 0,
            genesisArchive: bytes32(0),
            genesisSeed: GENESIS_SEED,
            proposalBlocks: 3,
            commitmentBlocks: 2,
            revealBlocks: 2,
            provingBlocks: 10,
            backupBlocks: 5,
            lag: 2,
            minBond: 10 ether,
            blockReward: 10 ether,
            sequencerBps: 7_000,
            proverBps: 2_000,
            submitterBps: 1_000,
            slasherBps: 1_000,
            upgradeRound: 10,
            upgradeQuorum: 6
        });
    }

    /// @notice 12 s blocks: a slot is 5 + 5 + 5 + 20 + 10 = 45 blocks (9 min); entry and exit 7 days.
    function mainnetLike() internal pure returns (Profile memory p) {
        p.name = "mainnet-like";
        p.l1BlockSeconds = 12;
        p.genesisDelayBlocks = 10;
        p.finalityDepth = 64;
        p.mintable = false;
        p.initialSupply = 1_000_000_000 ether;
        p.devnetAccountFunding = 0;
        p.rewardFunding = 10_000_000 ether;
        p.registry =
            RegistryConfig({minStake: 100_000 ether, entryPeriod: 50_400, exitDelay: 50_400, maxCommissionBps: 5_000});
        p.rollup = RollupConfig({
            genesisBlock: 0,
            genesisArchive: bytes32(0),
            genesisSeed: GENESIS_SEED,
            proposalBlocks: 5,
            commitmentBlocks: 5,
            revealBlocks: 5,
            provingBlocks: 20,
            backupBlocks: 10,
            lag: 2,
            minBond: 10_000 ether,
            blockReward: 100 ether,
            sequencerBps: 7_000,
            proverBps: 2_000,
            submitterBps: 1_000,
            slasherBps: 1_000,
            upgradeRound: 1_000,
            upgradeQuorum: 600
        });
    }
}
