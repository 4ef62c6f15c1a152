// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Phase} from "../interfaces/IFernetRollup.sol";

/// @notice The fixed schedule: slot `s` starts at `genesisBlock + s * slotBlocks` and runs its five
/// phases back to back.
struct SlotClock {
    uint256 genesisBlock;
    uint256 proposalBlocks;
    uint256 commitmentBlocks;
    uint256 revealBlocks;
    uint256 provingBlocks;
    uint256 backupBlocks;
}

/// @title SlotClockLib
/// @notice Decides which slot and phase an L1 block belongs to. A slot whose block finalises early
/// idles: the schedule never moves, so every sequencer knows its duties in advance.
library SlotClockLib {
    function slotBlocks(SlotClock memory clock) internal pure returns (uint256) {
        return clock.proposalBlocks + clock.commitmentBlocks + clock.revealBlocks + clock.provingBlocks
            + clock.backupBlocks;
    }

    /// @dev Slot 0 also stands for "before genesis"; `phaseAt` tells the two apart.
    function slotAt(SlotClock memory clock, uint256 blockNumber) internal pure returns (uint256) {
        if (blockNumber < clock.genesisBlock) return 0;
        return (blockNumber - clock.genesisBlock) / slotBlocks(clock);
    }

    function startOf(SlotClock memory clock, uint256 slot) internal pure returns (uint256) {
        return clock.genesisBlock + slot * slotBlocks(clock);
    }

    /// @dev The first block after `phase` of `slot`; for Backup (or later), the next slot's start.
    function endOf(SlotClock memory clock, uint256 slot, Phase phase) internal pure returns (uint256 end) {
        end = startOf(clock, slot) + clock.proposalBlocks;
        if (phase == Phase.Proposal) return end;
        end += clock.commitmentBlocks;
        if (phase == Phase.Commitment) return end;
        end += clock.revealBlocks;
        if (phase == Phase.Reveal) return end;
        end += clock.provingBlocks;
        if (phase == Phase.Proving) return end;
        return end + clock.backupBlocks;
    }

    function phaseAt(SlotClock memory clock, uint256 slot, uint256 blockNumber) internal pure returns (Phase) {
        uint256 start = startOf(clock, slot);
        if (blockNumber < start) return Phase.NotStarted;
        uint256 offset = blockNumber - start;
        if (offset < clock.proposalBlocks) return Phase.Proposal;
        offset -= clock.proposalBlocks;
        if (offset < clock.commitmentBlocks) return Phase.Commitment;
        offset -= clock.commitmentBlocks;
        if (offset < clock.revealBlocks) return Phase.Reveal;
        offset -= clock.revealBlocks;
        if (offset < clock.provingBlocks) return Phase.Proving;
        offset -= clock.provingBlocks;
        if (offset < clock.backupBlocks) return Phase.Backup;
        return Phase.Ended;
    }
}
