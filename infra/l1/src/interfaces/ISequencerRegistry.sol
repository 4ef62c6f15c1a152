// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A sequencer's place in its lifecycle. `Queued` and `Active` are one stored state told apart by
/// the block number: Active from `registeredAt + ENTRY_PERIOD` on.
enum SequencerStatus {
    None,
    Queued,
    Active,
    Exiting,
    Exited
}

/// @notice Everything the platform needs to know about one sequencer now.
struct SequencerInfo {
    SequencerStatus status;
    address withdrawer;
    uint256 ownStake;
    uint256 delegatedStake;
    uint256 registeredAt;
    uint256 activeFrom;
    uint256 exitInitiatedAt;
    uint256 exitableAt;
    uint16 commissionBps;
    bool eligible;
}

/// @notice Undelegated stake waiting for `unlockBlock`.
struct Withdrawal {
    address sequencer;
    uint256 amount;
    uint256 unlockBlock;
}

/// @notice Every duration (in L1 blocks) and amount (in staking-token wei) of a registry deployment.
struct RegistryConfig {
    uint256 minStake;
    uint256 entryPeriod;
    uint256 exitDelay;
    uint256 maxCommissionBps;
}

/// @title ISequencerRegistry
/// @notice Sequencer stake, entry queue, exit delay, delegation and the sequencer side's rewards.
interface ISequencerRegistry {
    /// @notice `sequencer` is registered with `amount` of own stake; it is Active from block `activeFrom`.
    event SequencerRegistered(
        address indexed sequencer, address indexed withdrawer, uint256 amount, uint256 activeFrom
    );
    /// @notice `sequencer` became Active at `activeFrom`. Derivable from `SequencerRegistered`; emitted
    /// only when someone calls `activate`.
    event SequencerActivated(address indexed sequencer, uint256 activeFrom);
    /// @notice `sequencer` left the elections; its stake can be taken back from `exitableAt`.
    event ExitInitiated(address indexed sequencer, address indexed withdrawer, uint256 exitableAt);
    /// @notice `amount` of own stake went back to `withdrawer`.
    event ExitFinalized(address indexed sequencer, address indexed withdrawer, uint256 amount);
    /// @notice `delegator` added `amount` to `sequencer`'s stake.
    event Delegated(address indexed delegator, address indexed sequencer, uint256 amount);
    /// @notice `amount` stopped counting for `sequencer`; the delegator can take it from `unlockBlock`.
    event Undelegated(address indexed delegator, address indexed sequencer, uint256 amount, uint256 unlockBlock);
    /// @notice `delegator` took back `amount` of unlocked undelegated stake.
    event UndelegatedWithdrawn(address indexed delegator, uint256 amount);
    /// @notice `claimant` was paid `amount` of rewards earned with `sequencer`.
    event RewardsClaimed(address indexed claimant, address indexed sequencer, uint256 amount);
    /// @notice A block reward reached `sequencer`: `commission` to its withdrawer, the rest pro rata to stake.
    event RewardCredited(address indexed sequencer, uint256 amount, uint256 commission);
    /// @notice `sequencer`'s commission on future rewards changed from `previousBps` to `bps`.
    event CommissionChanged(address indexed sequencer, uint16 previousBps, uint16 bps);
    /// @notice `rollup` may now credit rewards.
    event RollupBound(address indexed rollup);

    error Registry__InvalidConfig(string field, uint256 value);
    error Registry__ZeroAddress();
    error Registry__ZeroAmount();
    error Registry__StakeBelowMinimum(uint256 amount, uint256 minimum);
    error Registry__AlreadyRegistered(address sequencer, SequencerStatus status);
    error Registry__NotWithdrawer(address caller, address withdrawer);
    error Registry__CannotExit(address sequencer, SequencerStatus status);
    error Registry__NotExiting(address sequencer, SequencerStatus status);
    error Registry__ExitDelayNotPassed(address sequencer, uint256 blockNumber, uint256 exitableAt);
    error Registry__NotActive(address sequencer, SequencerStatus status);
    error Registry__ActivationAlreadyAnnounced(address sequencer);
    error Registry__NotDelegatable(address sequencer, SequencerStatus status);
    error Registry__InsufficientDelegation(address sequencer, uint256 amount, uint256 delegated);
    error Registry__NothingToWithdraw(address delegator);
    error Registry__NothingToClaim(address claimant, address sequencer);
    error Registry__CommissionTooHigh(uint16 bps, uint256 maximum);
    error Registry__NotRollup(address caller);
    error Registry__NotDeployer(address caller);
    error Registry__RollupAlreadyBound(address rollup);

    /// @notice Registers `sequencer` with `amount` of own stake paid by the sender (approve it first).
    /// Also re-registers an Exited sequencer, which queues again for a full entry period.
    /// @param sequencer The sequencer's signing address.
    /// @param withdrawer Who may exit it, receives its stake back, its commission and own-stake rewards.
    /// @param amount Own stake, at least `minStake`.
    function register(address sequencer, address withdrawer, uint256 amount) external;

    /// @notice Announces that `sequencer` is Active (emits `SequencerActivated` once per registration).
    /// Optional: activity follows from the block number alone.
    function activate(address sequencer) external;

    /// @notice Takes `sequencer` out of the elections at once (status Exiting). Withdrawer only.
    function initiateExit(address sequencer) external;

    /// @notice After `exitDelay` blocks of Exiting, returns the own stake to the withdrawer. Anyone.
    function finalizeExit(address sequencer) external;

    /// @notice Adds `amount` of the sender's tokens (approve first) to `sequencer`'s stake.
    function delegate(address sequencer, uint256 amount) external;

    /// @notice Removes `amount` of the sender's delegation from `sequencer`; it unlocks after `exitDelay`.
    function undelegate(address sequencer, uint256 amount) external;

    /// @notice Pays the sender every undelegated amount whose unlock block has come.
    function withdrawUndelegated() external;

    /// @notice Pays the sender its rewards from `sequencer`: as delegator, and as withdrawer its
    /// commission and own-stake rewards.
    function claimRewards(address sequencer) external;

    /// @notice Sets `sequencer`'s commission on future rewards. Withdrawer only; at most `maxCommissionBps`.
    function setCommission(address sequencer, uint16 bps) external;

    /// @notice Books a block reward of `amount` (already transferred here) to `sequencer`. Rollup only.
    function creditReward(address sequencer, uint256 amount) external;

    /// @notice Names the rollup that may credit rewards. Once, by the deployer.
    function bindRollup(address rollup) external;

    /// @notice `sequencer`'s status, stake, schedule, commission and eligibility now.
    function sequencerOf(address sequencer) external view returns (SequencerInfo memory);

    /// @notice `sequencer`'s status now.
    function statusOf(address sequencer) external view returns (SequencerStatus);

    /// @notice Whether `sequencer` may propose now: Active, with own plus delegated stake >= `minStake`.
    function isEligible(address sequencer) external view returns (bool);

    /// @notice The number of Active sequencers now: the active set. Every Active sequencer is eligible,
    /// since its own stake alone is at least `minStake` until it exits.
    function activeCount() external view returns (uint256);

    /// @notice How many sequencers are Queued or Active: the range `activeSequencers` pages over.
    function listedCount() external view returns (uint256);

    /// @notice The Active sequencers among listed (Queued or Active) positions `offset` to
    /// `offset + limit - 1`. Page with `offset = next` until `next >= listedCount()`; call every page at
    /// one block (eth_call with a block number) for a consistent view, since an exit reorders the list.
    /// @param offset First listed position to look at.
    /// @param limit How many listed positions to look at.
    /// @return sequencers The Active ones among them, in list order.
    /// @return next The offset of the next page.
    function activeSequencers(uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory sequencers, uint256 next);

    /// @notice Stake `delegator` has delegated to `sequencer`.
    function positionOf(address delegator, address sequencer) external view returns (uint256);

    /// @notice Undelegated amounts of `delegator` not yet withdrawn, with their unlock blocks.
    function pendingWithdrawals(address delegator) external view returns (Withdrawal[] memory);

    /// @notice What `claimant` could claim from `sequencer` now (as delegator and as withdrawer).
    function pendingRewards(address claimant, address sequencer) external view returns (uint256);

    /// @notice Every parameter of this deployment.
    function config() external view returns (RegistryConfig memory);
}
