// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PayoutLib
/// @notice Decides how a block reward and a slashed bond are split. Whatever the basis-point shares
/// round away goes to the last share, so a split always adds up to the whole.
library PayoutLib {
    uint256 internal constant BPS = 10_000;

    /// @dev Sequencer side and prover by their shares; the submitter gets the rest (its own share
    /// plus rounding).
    function splitBlockReward(uint256 reward, uint256 sequencerBps, uint256 proverBps)
        internal
        pure
        returns (uint256 sequencerShare, uint256 proverShare, uint256 submitterShare)
    {
        sequencerShare = reward * sequencerBps / BPS;
        proverShare = reward * proverBps / BPS;
        submitterShare = reward - sequencerShare - proverShare;
    }

    /// @dev The slasher by its share; the rest is burnt.
    function splitSlashedBond(uint256 bond, uint256 slasherBps)
        internal
        pure
        returns (uint256 slasherShare, uint256 burnt)
    {
        slasherShare = bond * slasherBps / BPS;
        burnt = bond - slasherShare;
    }

    /// @dev The commission part of `amount`.
    function commission(uint256 amount, uint256 commissionBps) internal pure returns (uint256) {
        return amount * commissionBps / BPS;
    }
}
