// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice RANDAO values stored per slot, in slot order (a checkpoint is only ever taken for the
/// current slot, so `slots` is strictly increasing).
struct RandaoLog {
    uint256[] slots;
    mapping(uint256 slot => uint256 randao) randaoOf;
}

/// @title ElectionLib
/// @notice Decides the Fernet seed of a slot and a sequencer's score in it.
library ElectionLib {
    /// @dev How many of the newest checkpoints to look at before searching them all: the seed's slot
    /// is `LAG` behind a current slot, so the answer is nearly always among the last few.
    uint256 private constant RECENT = 4;

    /// @dev Stores `randao` for `slot` unless the slot already has one; true when stored.
    function checkpoint(RandaoLog storage log, uint256 slot, uint256 randao) internal returns (bool) {
        uint256 count = log.slots.length;
        if (count != 0 && log.slots[count - 1] == slot) return false;
        log.slots.push(slot);
        log.randaoOf[slot] = randao;
        return true;
    }

    function stored(RandaoLog storage log, uint256 slot) internal view returns (bool, uint256) {
        (bool found, uint256 at) = latestAtOrBefore(log, slot);
        if (!found || at != slot) return (false, 0);
        return (true, log.randaoOf[slot]);
    }

    /// @dev The seed of `slot`: the RANDAO stored for `slot - lag`; where that slot stored none, the
    /// latest stored before it; the genesis seed for the first `lag` slots or when nothing was stored.
    /// Only checkpoints of slots before `slot` count, so the seed is fixed before the slot starts.
    function seed(RandaoLog storage log, uint256 slot, uint256 lag, uint256 genesisSeed)
        internal
        view
        returns (uint256)
    {
        if (slot < lag) return genesisSeed;
        (bool found, uint256 at) = latestAtOrBefore(log, slot - lag);
        return found ? log.randaoOf[at] : genesisSeed;
    }

    function score(uint256 slotSeed, uint256 slot, address sequencer) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(slotSeed, slot, sequencer)));
    }

    /// @dev The latest checkpointed slot that is at most `slot`.
    function latestAtOrBefore(RandaoLog storage log, uint256 slot) internal view returns (bool, uint256) {
        uint256[] storage slots = log.slots;
        uint256 high = slots.length;
        uint256 recentEnd = high > RECENT ? high - RECENT : 0;
        while (high > recentEnd) {
            uint256 candidate = slots[high - 1];
            if (candidate <= slot) return (true, candidate);
            high--;
        }
        // Binary search for the number of checkpoints at or before `slot` among the older ones.
        uint256 low = 0;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            if (slots[middle] <= slot) low = middle + 1;
            else high = middle;
        }
        return low == 0 ? (false, 0) : (true, slots[low - 1]);
    }
}
