// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Signals per upgrade payload per round.
struct UpgradeTally {
    mapping(bytes32 payload => mapping(uint256 round => uint256 signals)) signals;
}

/// @title UpgradeSignalLib
/// @notice Decides when an upgrade payload is approved: at `quorum` signals among the finalised blocks
/// of one round of `roundSize` L2 blocks (round r holds blocks r * roundSize + 1 to (r + 1) * roundSize).
library UpgradeSignalLib {
    function roundOf(uint256 l2BlockNumber, uint256 roundSize) internal pure returns (uint256) {
        return (l2BlockNumber - 1) / roundSize;
    }

    /// @dev Counts one signal for `payload` from L2 block `l2BlockNumber`; `approved` is true exactly
    /// once per payload and round, when the count reaches `quorum`.
    function record(
        UpgradeTally storage tally,
        bytes32 payload,
        uint256 l2BlockNumber,
        uint256 roundSize,
        uint256 quorum
    ) internal returns (uint256 round, uint256 signals, bool approved) {
        round = roundOf(l2BlockNumber, roundSize);
        signals = ++tally.signals[payload][round];
        approved = signals == quorum;
    }
}
