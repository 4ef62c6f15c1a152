// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {
    ISequencerRegistry,
    SequencerStatus,
    SequencerInfo,
    Withdrawal,
    RegistryConfig
} from "./interfaces/ISequencerRegistry.sol";
import {RewardLib, RewardPool, Position} from "./libraries/RewardLib.sol";
import {ActiveSetLib, ActiveSet} from "./libraries/ActiveSetLib.sol";
import {PayoutLib} from "./libraries/PayoutLib.sol";

/// @title SequencerRegistry
/// @notice Holds every sequencer's stake and its delegators', runs the entry queue and exit delay, and
/// books the sequencer side of block rewards: commission to the withdrawer, the rest pro rata to stake.
/// A sequencer's own stake is a position owned by its withdrawer, so a reward always has an owner.
contract SequencerRegistry is ISequencerRegistry {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @dev `stored` is None, Queued (registered: Active once `registeredAt + ENTRY_PERIOD` has come),
    /// Exiting or Exited; `statusOf` derives Active.
    struct SequencerRecord {
        address withdrawer;
        uint16 commissionBps;
        SequencerStatus stored;
        bool activationAnnounced;
        uint64 registeredAt;
        uint64 exitInitiatedAt;
        uint64 entryIndex;
        RewardPool pool;
        Position own;
    }

    /// @notice The token staked, delegated and rewarded.
    IERC20 public immutable stakingToken;
    /// @notice Who may bind the rollup (once).
    address public immutable deployer;
    uint256 private immutable MIN_STAKE;
    uint256 private immutable ENTRY_PERIOD;
    uint256 private immutable EXIT_DELAY;
    uint256 private immutable MAX_COMMISSION_BPS;

    /// @notice The rollup allowed to credit block rewards.
    address public rollup;

    mapping(address sequencer => SequencerRecord) private _sequencers;
    mapping(address sequencer => mapping(address delegator => Position)) private _delegations;
    mapping(address delegator => Withdrawal[]) private _withdrawals;
    ActiveSet private _activeSet;
    /// @dev Queued and Active sequencers, for paging through the active set without replaying events.
    EnumerableSet.AddressSet private _listed;

    /// @param token The staking token.
    /// @param config_ Minimum stake, entry period, exit delay, commission cap.
    constructor(IERC20 token, RegistryConfig memory config_) {
        if (address(token) == address(0)) revert Registry__ZeroAddress();
        if (config_.minStake == 0) revert Registry__InvalidConfig("minStake", 0);
        if (config_.maxCommissionBps > PayoutLib.BPS) {
            revert Registry__InvalidConfig("maxCommissionBps", config_.maxCommissionBps);
        }
        stakingToken = token;
        deployer = msg.sender;
        MIN_STAKE = config_.minStake;
        ENTRY_PERIOD = config_.entryPeriod;
        EXIT_DELAY = config_.exitDelay;
        MAX_COMMISSION_BPS = config_.maxCommissionBps;
    }

    /// @inheritdoc ISequencerRegistry
    function register(address sequencer, address withdrawer, uint256 amount) external {
        if (sequencer == address(0) || withdrawer == address(0)) revert Registry__ZeroAddress();
        if (amount < MIN_STAKE) revert Registry__StakeBelowMinimum(amount, MIN_STAKE);
        SequencerRecord storage record = _sequencers[sequencer];
        SequencerStatus status = _statusOf(record);
        if (status != SequencerStatus.None && status != SequencerStatus.Exited) {
            revert Registry__AlreadyRegistered(sequencer, status);
        }
        // A re-registration may name another withdrawer: settle the previous one first.
        if (status == SequencerStatus.Exited) _payWithdrawer(sequencer, record);

        uint256 activeFrom = block.number + ENTRY_PERIOD;
        record.withdrawer = withdrawer;
        record.commissionBps = 0;
        record.stored = SequencerStatus.Queued;
        record.activationAnnounced = false;
        record.registeredAt = uint64(block.number);
        record.exitInitiatedAt = 0;
        record.entryIndex = uint64(ActiveSetLib.enter(_activeSet, activeFrom));
        _listed.add(sequencer);
        RewardLib.deposit(record.pool, record.own, amount);
        stakingToken.safeTransferFrom(msg.sender, address(this), amount);
        emit SequencerRegistered(sequencer, withdrawer, amount, activeFrom);
    }

    /// @inheritdoc ISequencerRegistry
    function activate(address sequencer) external {
        SequencerRecord storage record = _sequencers[sequencer];
        SequencerStatus status = _statusOf(record);
        if (status != SequencerStatus.Active) revert Registry__NotActive(sequencer, status);
        if (record.activationAnnounced) revert Registry__ActivationAlreadyAnnounced(sequencer);
        record.activationAnnounced = true;
        emit SequencerActivated(sequencer, record.registeredAt + ENTRY_PERIOD);
    }

    /// @inheritdoc ISequencerRegistry
    function initiateExit(address sequencer) external {
        SequencerRecord storage record = _sequencers[sequencer];
        SequencerStatus status = _statusOf(record);
        if (status != SequencerStatus.Queued && status != SequencerStatus.Active) {
            revert Registry__CannotExit(sequencer, status);
        }
        if (msg.sender != record.withdrawer) revert Registry__NotWithdrawer(msg.sender, record.withdrawer);
        record.stored = SequencerStatus.Exiting;
        record.exitInitiatedAt = uint64(block.number);
        ActiveSetLib.leave(_activeSet, record.entryIndex, block.number);
        _listed.remove(sequencer);
        emit ExitInitiated(sequencer, record.withdrawer, block.number + EXIT_DELAY);
    }

    /// @inheritdoc ISequencerRegistry
    function finalizeExit(address sequencer) external {
        SequencerRecord storage record = _sequencers[sequencer];
        SequencerStatus status = _statusOf(record);
        if (status != SequencerStatus.Exiting) revert Registry__NotExiting(sequencer, status);
        uint256 exitableAt = record.exitInitiatedAt + EXIT_DELAY;
        if (block.number < exitableAt) revert Registry__ExitDelayNotPassed(sequencer, block.number, exitableAt);

        uint256 amount = record.own.amount;
        RewardLib.withdraw(record.pool, record.own, amount);
        if (record.pool.totalShares == 0) RewardLib.sweepRemainder(record.pool, record.own);
        record.stored = SequencerStatus.Exited;
        stakingToken.safeTransfer(record.withdrawer, amount);
        emit ExitFinalized(sequencer, record.withdrawer, amount);
    }

    /// @inheritdoc ISequencerRegistry
    function delegate(address sequencer, uint256 amount) external {
        if (amount == 0) revert Registry__ZeroAmount();
        SequencerRecord storage record = _sequencers[sequencer];
        SequencerStatus status = _statusOf(record);
        if (status != SequencerStatus.Queued && status != SequencerStatus.Active) {
            revert Registry__NotDelegatable(sequencer, status);
        }
        RewardLib.deposit(record.pool, _delegations[sequencer][msg.sender], amount);
        stakingToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Delegated(msg.sender, sequencer, amount);
    }

    /// @inheritdoc ISequencerRegistry
    function undelegate(address sequencer, uint256 amount) external {
        if (amount == 0) revert Registry__ZeroAmount();
        SequencerRecord storage record = _sequencers[sequencer];
        Position storage position = _delegations[sequencer][msg.sender];
        if (position.amount < amount) revert Registry__InsufficientDelegation(sequencer, amount, position.amount);
        RewardLib.withdraw(record.pool, position, amount);
        if (record.pool.totalShares == 0) RewardLib.sweepRemainder(record.pool, record.own);
        uint256 unlockBlock = block.number + EXIT_DELAY;
        _withdrawals[msg.sender].push(Withdrawal({sequencer: sequencer, amount: amount, unlockBlock: unlockBlock}));
        emit Undelegated(msg.sender, sequencer, amount, unlockBlock);
    }

    /// @inheritdoc ISequencerRegistry
    function withdrawUndelegated() external {
        Withdrawal[] storage queue = _withdrawals[msg.sender];
        uint256 total;
        uint256 i;
        while (i < queue.length) {
            if (queue[i].unlockBlock <= block.number) {
                total += queue[i].amount;
                queue[i] = queue[queue.length - 1];
                queue.pop();
            } else {
                i++;
            }
        }
        if (total == 0) revert Registry__NothingToWithdraw(msg.sender);
        stakingToken.safeTransfer(msg.sender, total);
        emit UndelegatedWithdrawn(msg.sender, total);
    }

    /// @inheritdoc ISequencerRegistry
    function claimRewards(address sequencer) external {
        SequencerRecord storage record = _sequencers[sequencer];
        uint256 amount = RewardLib.claim(record.pool, _delegations[sequencer][msg.sender]);
        if (msg.sender == record.withdrawer) amount += RewardLib.claim(record.pool, record.own);
        if (amount == 0) revert Registry__NothingToClaim(msg.sender, sequencer);
        stakingToken.safeTransfer(msg.sender, amount);
        emit RewardsClaimed(msg.sender, sequencer, amount);
    }

    /// @inheritdoc ISequencerRegistry
    function setCommission(address sequencer, uint16 bps) external {
        SequencerRecord storage record = _sequencers[sequencer];
        if (msg.sender != record.withdrawer) revert Registry__NotWithdrawer(msg.sender, record.withdrawer);
        if (bps > MAX_COMMISSION_BPS) revert Registry__CommissionTooHigh(bps, MAX_COMMISSION_BPS);
        emit CommissionChanged(sequencer, record.commissionBps, bps);
        record.commissionBps = bps;
    }

    /// @inheritdoc ISequencerRegistry
    function creditReward(address sequencer, uint256 amount) external {
        if (msg.sender != rollup) revert Registry__NotRollup(msg.sender);
        SequencerRecord storage record = _sequencers[sequencer];
        uint256 commission = PayoutLib.commission(amount, record.commissionBps);
        RewardLib.credit(record.own, commission);
        uint256 rest = amount - commission;
        if (!RewardLib.distribute(record.pool, rest)) RewardLib.credit(record.own, rest);
        emit RewardCredited(sequencer, amount, commission);
    }

    /// @inheritdoc ISequencerRegistry
    function bindRollup(address rollup_) external {
        if (msg.sender != deployer) revert Registry__NotDeployer(msg.sender);
        if (rollup != address(0)) revert Registry__RollupAlreadyBound(rollup);
        if (rollup_ == address(0)) revert Registry__ZeroAddress();
        rollup = rollup_;
        emit RollupBound(rollup_);
    }

    /// @inheritdoc ISequencerRegistry
    function sequencerOf(address sequencer) external view returns (SequencerInfo memory info) {
        SequencerRecord storage record = _sequencers[sequencer];
        info.status = _statusOf(record);
        if (info.status == SequencerStatus.None) return info;
        info.withdrawer = record.withdrawer;
        info.ownStake = record.own.amount;
        info.delegatedStake = record.pool.totalShares - record.own.amount;
        info.registeredAt = record.registeredAt;
        info.activeFrom = record.registeredAt + ENTRY_PERIOD;
        info.exitInitiatedAt = record.exitInitiatedAt;
        info.exitableAt = record.exitInitiatedAt == 0 ? 0 : record.exitInitiatedAt + EXIT_DELAY;
        info.commissionBps = record.commissionBps;
        info.eligible = _isEligible(record);
    }

    /// @inheritdoc ISequencerRegistry
    function statusOf(address sequencer) external view returns (SequencerStatus) {
        return _statusOf(_sequencers[sequencer]);
    }

    /// @inheritdoc ISequencerRegistry
    function isEligible(address sequencer) external view returns (bool) {
        return _isEligible(_sequencers[sequencer]);
    }

    /// @inheritdoc ISequencerRegistry
    function activeCount() external view returns (uint256) {
        return ActiveSetLib.count(_activeSet, block.number);
    }

    /// @inheritdoc ISequencerRegistry
    function listedCount() external view returns (uint256) {
        return _listed.length();
    }

    /// @inheritdoc ISequencerRegistry
    function activeSequencers(uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory sequencers, uint256 next)
    {
        uint256 listed = _listed.length();
        uint256 end = offset + limit < listed ? offset + limit : listed;
        if (offset >= end) return (new address[](0), listed);
        sequencers = new address[](end - offset);
        uint256 found;
        for (uint256 i = offset; i < end; i++) {
            address sequencer = _listed.at(i);
            if (_statusOf(_sequencers[sequencer]) == SequencerStatus.Active) sequencers[found++] = sequencer;
        }
        // Trim the array to the Active ones found.
        assembly ("memory-safe") {
            mstore(sequencers, found)
        }
        next = end;
    }

    /// @inheritdoc ISequencerRegistry
    function positionOf(address delegator, address sequencer) external view returns (uint256) {
        return _delegations[sequencer][delegator].amount;
    }

    /// @inheritdoc ISequencerRegistry
    function pendingWithdrawals(address delegator) external view returns (Withdrawal[] memory) {
        return _withdrawals[delegator];
    }

    /// @inheritdoc ISequencerRegistry
    function pendingRewards(address claimant, address sequencer) external view returns (uint256 amount) {
        SequencerRecord storage record = _sequencers[sequencer];
        amount = RewardLib.pending(record.pool, _delegations[sequencer][claimant]);
        if (claimant == record.withdrawer) amount += RewardLib.pending(record.pool, record.own);
    }

    /// @inheritdoc ISequencerRegistry
    function config() external view returns (RegistryConfig memory) {
        return RegistryConfig({
            minStake: MIN_STAKE,
            entryPeriod: ENTRY_PERIOD,
            exitDelay: EXIT_DELAY,
            maxCommissionBps: MAX_COMMISSION_BPS
        });
    }

    function _statusOf(SequencerRecord storage record) private view returns (SequencerStatus) {
        SequencerStatus stored = record.stored;
        if (stored == SequencerStatus.Queued && block.number >= record.registeredAt + ENTRY_PERIOD) {
            return SequencerStatus.Active;
        }
        return stored;
    }

    function _isEligible(SequencerRecord storage record) private view returns (bool) {
        return _statusOf(record) == SequencerStatus.Active && record.pool.totalShares >= MIN_STAKE;
    }

    function _payWithdrawer(address sequencer, SequencerRecord storage record) private {
        uint256 amount = RewardLib.claim(record.pool, record.own);
        if (amount == 0) return;
        stakingToken.safeTransfer(record.withdrawer, amount);
        emit RewardsClaimed(record.withdrawer, sequencer, amount);
    }
}
