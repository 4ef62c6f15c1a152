// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A holder's stake in one sequencer's reward pool. `owedScaled` is what it has earned and not
/// claimed, in wei scaled by `RewardLib.SCALE`, so not even a fraction of a wei is rounded away.
struct Position {
    uint256 amount;
    uint256 rewardPerSharePaid;
    uint256 owedScaled;
}

/// @notice One sequencer's pool: its stake (own plus delegated), the reward per unit of stake paid so
/// far (scaled), and the scaled remainder a division left over, carried into the next distribution.
struct RewardPool {
    uint256 totalShares;
    uint256 rewardPerShare;
    uint256 remainderScaled;
}

/// @title RewardLib
/// @notice Decides each holder's part of a sequencer's rewards with a per-share accumulator. Exact:
/// `amount * SCALE + remainderScaled` is split into `increment * totalShares` (paid to the positions,
/// which sum to `totalShares`) plus a new remainder, so the scaled sum of everything owed, the
/// remainder and everything claimed always equals the scaled sum of everything distributed.
library RewardLib {
    uint256 internal constant SCALE = 1e18;

    /// @dev Books what `position` earned since it was last settled.
    function settle(RewardPool storage pool, Position storage position) internal {
        uint256 perShare = pool.rewardPerShare;
        uint256 paid = position.rewardPerSharePaid;
        if (perShare == paid) return;
        position.owedScaled += position.amount * (perShare - paid);
        position.rewardPerSharePaid = perShare;
    }

    function deposit(RewardPool storage pool, Position storage position, uint256 amount) internal {
        settle(pool, position);
        position.amount += amount;
        pool.totalShares += amount;
    }

    function withdraw(RewardPool storage pool, Position storage position, uint256 amount) internal {
        settle(pool, position);
        position.amount -= amount;
        pool.totalShares -= amount;
    }

    /// @dev Shares `amount` pro rata among the pool's positions; false, sharing nothing, when the pool
    /// holds no stake (the caller decides who gets it then).
    function distribute(RewardPool storage pool, uint256 amount) internal returns (bool) {
        uint256 total = pool.totalShares;
        if (total == 0) return false;
        uint256 numerator = amount * SCALE + pool.remainderScaled;
        uint256 increment = numerator / total;
        pool.rewardPerShare += increment;
        pool.remainderScaled = numerator - increment * total;
        return true;
    }

    /// @dev Owes `amount` directly to `position` (commission, or a reward no stake could share).
    function credit(Position storage position, uint256 amount) internal {
        position.owedScaled += amount * SCALE;
    }

    /// @dev Hands the carried remainder to `position` once the pool is empty, so it is never stranded.
    function sweepRemainder(RewardPool storage pool, Position storage position) internal {
        position.owedScaled += pool.remainderScaled;
        pool.remainderScaled = 0;
    }

    /// @dev Takes the whole wei `position` is owed; the fraction of a wei stays owed.
    function claim(RewardPool storage pool, Position storage position) internal returns (uint256 amount) {
        settle(pool, position);
        amount = position.owedScaled / SCALE;
        position.owedScaled -= amount * SCALE;
    }

    function pending(RewardPool storage pool, Position storage position) internal view returns (uint256) {
        uint256 earned = position.amount * (pool.rewardPerShare - position.rewardPerSharePaid);
        return (position.owedScaled + earned) / SCALE;
    }

    /// @dev Everything `position` is owed, scaled (for proofs that nothing is lost).
    function owedScaled(RewardPool storage pool, Position storage position) internal view returns (uint256) {
        return position.owedScaled + position.amount * (pool.rewardPerShare - position.rewardPerSharePaid);
    }
}
