// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Every registration's activation block, in registration order (so non-decreasing: the entry
/// period is one constant), plus who left. `leftWhileQueued` is a Fenwick tree over entry positions
/// (1-based) counting registrations that exited before activating.
struct ActiveSet {
    uint256[] activeFrom;
    mapping(uint256 node => uint256 count) leftWhileQueued;
    uint256 leftWhileActive;
}

/// @title ActiveSetLib
/// @notice Decides the size of the active set at any block without a transaction at each activation:
/// Active = registrations activated by now (a binary search), minus those that exited before
/// activating (a Fenwick prefix sum), minus those that exited after. Every operation is O(log n).
library ActiveSetLib {
    /// @dev Appends a registration activating at `activeFrom` (never earlier than the last one).
    function enter(ActiveSet storage set, uint256 activeFrom) internal returns (uint256 index) {
        index = set.activeFrom.length;
        set.activeFrom.push(activeFrom);
        // A new Fenwick node covers the nodes below it, built before it existed: sum its children.
        uint256 node = index + 1;
        uint256 lowest = node & (~node + 1);
        uint256 covered;
        for (uint256 step = 1; step < lowest; step <<= 1) {
            covered += set.leftWhileQueued[node - step];
        }
        if (covered != 0) set.leftWhileQueued[node] = covered;
    }

    /// @dev Records that registration `index` left the set at `blockNumber`.
    function leave(ActiveSet storage set, uint256 index, uint256 blockNumber) internal {
        if (set.activeFrom[index] <= blockNumber) {
            set.leftWhileActive++;
            return;
        }
        uint256 size = set.activeFrom.length;
        for (uint256 node = index + 1; node <= size; node += node & (~node + 1)) {
            set.leftWhileQueued[node]++;
        }
    }

    function count(ActiveSet storage set, uint256 blockNumber) internal view returns (uint256) {
        uint256 activated = _activatedBy(set.activeFrom, blockNumber);
        uint256 leftQueued;
        for (uint256 node = activated; node > 0; node -= node & (~node + 1)) {
            leftQueued += set.leftWhileQueued[node];
        }
        return activated - leftQueued - set.leftWhileActive;
    }

    /// @dev How many entries have `activeFrom <= blockNumber`.
    function _activatedBy(uint256[] storage activeFrom, uint256 blockNumber) private view returns (uint256 low) {
        uint256 high = activeFrom.length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            if (activeFrom[middle] <= blockNumber) low = middle + 1;
            else high = middle;
        }
    }
}
