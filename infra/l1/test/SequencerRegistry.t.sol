// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {StakingToken} from "../src/StakingToken.sol";
import {SequencerRegistry} from "../src/SequencerRegistry.sol";
import {
    ISequencerRegistry,
    SequencerStatus,
    SequencerInfo,
    Withdrawal,
    RegistryConfig
} from "../src/interfaces/ISequencerRegistry.sol";
import {Profiles} from "../script/Profiles.sol";

/// @dev One test per rule and revert of PROTOCOL.md, "Registration, exit, delegation". The test contract
/// plays the rollup, so it can credit rewards.
contract SequencerRegistryTest is Test {
    StakingToken internal token;
    SequencerRegistry internal registry;
    RegistryConfig internal config;
    uint256 internal minStake;

    address internal sequencer = makeAddr("sequencer");
    address internal withdrawer = makeAddr("withdrawer");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        vm.roll(1_000);
        config = Profiles.devnet().registry;
        minStake = config.minStake;
        token = new StakingToken("Fernet Staking Token", "FST", true, address(this), 0);
        registry = new SequencerRegistry(token, config);
        registry.bindRollup(address(this));
        _fund(withdrawer);
        _fund(alice);
        _fund(bob);
        token.mint(address(this), 1_000_000 ether);
    }

    function _fund(address who) internal {
        token.mint(who, 1_000_000 ether);
        vm.prank(who);
        token.approve(address(registry), type(uint256).max);
    }

    function _register() internal {
        vm.prank(withdrawer);
        registry.register(sequencer, withdrawer, minStake);
    }

    // ---------------------------------------------------------------- register

    function test_register_queuedUntilTheEntryPeriodHasPassedThenActive() public {
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.SequencerRegistered(sequencer, withdrawer, minStake, block.number + config.entryPeriod);
        _register();
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Queued));
        assertFalse(registry.isEligible(sequencer));
        assertEq(registry.activeCount(), 0);
        vm.roll(block.number + config.entryPeriod - 1);
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Queued));
        vm.roll(block.number + 1);
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Active));
        assertTrue(registry.isEligible(sequencer));
        assertEq(registry.activeCount(), 1);
        assertEq(token.balanceOf(address(registry)), minStake);
    }

    function test_register_revertsWhenTheStakeIsBelowTheMinimum() public {
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__StakeBelowMinimum.selector, minStake - 1, minStake)
        );
        vm.prank(withdrawer);
        registry.register(sequencer, withdrawer, minStake - 1);
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        _register();
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__AlreadyRegistered.selector, sequencer, SequencerStatus.Queued
            )
        );
        vm.prank(alice);
        registry.register(sequencer, alice, minStake);
    }

    function test_register_revertsOnAZeroAddress() public {
        vm.expectRevert(ISequencerRegistry.Registry__ZeroAddress.selector);
        vm.prank(withdrawer);
        registry.register(address(0), withdrawer, minStake);
        vm.expectRevert(ISequencerRegistry.Registry__ZeroAddress.selector);
        vm.prank(withdrawer);
        registry.register(sequencer, address(0), minStake);
    }

    function test_activate_announcesActivationOnce() public {
        _register();
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__NotActive.selector, sequencer, SequencerStatus.Queued)
        );
        registry.activate(sequencer);
        vm.roll(block.number + config.entryPeriod);
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.SequencerActivated(sequencer, block.number);
        registry.activate(sequencer);
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__ActivationAlreadyAnnounced.selector, sequencer)
        );
        registry.activate(sequencer);
    }

    // ---------------------------------------------------------------- exit

    function test_initiateExit_makesTheSequencerExitingAtOnceAndIneligible() public {
        _register();
        vm.roll(block.number + config.entryPeriod);
        assertEq(registry.activeCount(), 1);
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.ExitInitiated(sequencer, withdrawer, block.number + config.exitDelay);
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Exiting));
        assertFalse(registry.isEligible(sequencer));
        assertEq(registry.activeCount(), 0);
    }

    function test_initiateExit_revertsWhenTheCallerIsNotTheWithdrawer() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NotWithdrawer.selector, alice, withdrawer));
        vm.prank(alice);
        registry.initiateExit(sequencer);
    }

    function test_initiateExit_revertsWhenNotQueuedOrActive() public {
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__CannotExit.selector, sequencer, SequencerStatus.None)
        );
        registry.initiateExit(sequencer);
        _register();
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__CannotExit.selector, sequencer, SequencerStatus.Exiting)
        );
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
    }

    function test_finalizeExit_returnsTheStakeToTheWithdrawerAfterTheExitDelay() public {
        _register();
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        uint256 exitableAt = block.number + config.exitDelay;
        vm.roll(exitableAt);
        uint256 before = token.balanceOf(withdrawer);
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.ExitFinalized(sequencer, withdrawer, minStake);
        vm.prank(alice); // anyone
        registry.finalizeExit(sequencer);
        assertEq(token.balanceOf(withdrawer), before + minStake);
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Exited));
    }

    function test_finalizeExit_revertsBeforeTheExitDelay() public {
        _register();
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        uint256 exitableAt = block.number + config.exitDelay;
        vm.roll(exitableAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__ExitDelayNotPassed.selector, sequencer, exitableAt - 1, exitableAt
            )
        );
        registry.finalizeExit(sequencer);
    }

    function test_finalizeExit_revertsWhenNotExiting() public {
        _register();
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__NotExiting.selector, sequencer, SequencerStatus.Queued)
        );
        registry.finalizeExit(sequencer);
    }

    // ---------------------------------------------------------------- delegation

    function test_delegate_addsToTheSequencersStake() public {
        _register();
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.Delegated(alice, sequencer, 50 ether);
        vm.prank(alice);
        registry.delegate(sequencer, 50 ether);
        SequencerInfo memory info = registry.sequencerOf(sequencer);
        assertEq(info.ownStake, minStake);
        assertEq(info.delegatedStake, 50 ether);
        assertEq(registry.positionOf(alice, sequencer), 50 ether);
    }

    function test_delegate_revertsOnZeroOrAnExitingSequencer() public {
        _register();
        vm.expectRevert(ISequencerRegistry.Registry__ZeroAmount.selector);
        vm.prank(alice);
        registry.delegate(sequencer, 0);
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__NotDelegatable.selector, sequencer, SequencerStatus.Exiting
            )
        );
        vm.prank(alice);
        registry.delegate(sequencer, 1 ether);
    }

    function test_undelegate_unlocksAfterTheExitDelay() public {
        _register();
        vm.prank(alice);
        registry.delegate(sequencer, 50 ether);
        uint256 unlockBlock = block.number + config.exitDelay;
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.Undelegated(alice, sequencer, 20 ether, unlockBlock);
        vm.prank(alice);
        registry.undelegate(sequencer, 20 ether);
        assertEq(registry.positionOf(alice, sequencer), 30 ether);
        Withdrawal[] memory pending = registry.pendingWithdrawals(alice);
        assertEq(pending.length, 1);
        assertEq(pending[0].unlockBlock, unlockBlock);

        vm.roll(unlockBlock - 1);
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NothingToWithdraw.selector, alice));
        vm.prank(alice);
        registry.withdrawUndelegated();
        vm.roll(unlockBlock);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        registry.withdrawUndelegated();
        assertEq(token.balanceOf(alice), before + 20 ether);
        assertEq(registry.pendingWithdrawals(alice).length, 0);
    }

    function test_undelegate_revertsWhenMoreThanDelegated() public {
        _register();
        vm.prank(alice);
        registry.delegate(sequencer, 5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__InsufficientDelegation.selector, sequencer, 6 ether, 5 ether
            )
        );
        vm.prank(alice);
        registry.undelegate(sequencer, 6 ether);
    }

    function test_eligible_whileActiveWithOwnPlusDelegatedStakeAtLeastMinimum() public {
        _register();
        vm.prank(alice);
        registry.delegate(sequencer, 1 ether);
        assertFalse(registry.isEligible(sequencer)); // Queued
        vm.roll(block.number + config.entryPeriod);
        SequencerInfo memory info = registry.sequencerOf(sequencer);
        assertTrue(info.eligible);
        assertGe(info.ownStake + info.delegatedStake, minStake);
    }

    // ---------------------------------------------------------------- rewards

    function test_rewards_commissionToTheWithdrawerAndTheRestProRataToStake() public {
        _register(); // own stake 100
        vm.prank(withdrawer);
        registry.setCommission(sequencer, 1_000); // 10 %
        vm.prank(alice);
        registry.delegate(sequencer, 300 ether); // alice 300, own 100: 3/4 and 1/4
        assertTrue(token.transfer(address(registry), 40 ether));
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.RewardCredited(sequencer, 40 ether, 4 ether);
        registry.creditReward(sequencer, 40 ether);
        // commission 4; the rest 36 split 27 (alice) / 9 (own stake, the withdrawer's)
        assertEq(registry.pendingRewards(alice, sequencer), 27 ether);
        assertEq(registry.pendingRewards(withdrawer, sequencer), 13 ether);
        uint256 before = token.balanceOf(alice);
        vm.expectEmit(address(registry));
        emit ISequencerRegistry.RewardsClaimed(alice, sequencer, 27 ether);
        vm.prank(alice);
        registry.claimRewards(sequencer);
        assertEq(token.balanceOf(alice), before + 27 ether);
        vm.prank(withdrawer);
        registry.claimRewards(sequencer);
        assertEq(token.balanceOf(address(registry)), minStake + 300 ether);
    }

    function test_claimRewards_revertsWhenThereIsNothingToClaim() public {
        _register();
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NothingToClaim.selector, bob, sequencer));
        vm.prank(bob);
        registry.claimRewards(sequencer);
    }

    function test_setCommission_revertsAboveTheMaximumOrForOthers() public {
        _register();
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__CommissionTooHigh.selector, uint16(5_001), config.maxCommissionBps
            )
        );
        vm.prank(withdrawer);
        registry.setCommission(sequencer, 5_001);
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NotWithdrawer.selector, alice, withdrawer));
        vm.prank(alice);
        registry.setCommission(sequencer, 1);
    }

    function test_creditReward_revertsWhenNotTheRollup() public {
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NotRollup.selector, alice));
        vm.prank(alice);
        registry.creditReward(sequencer, 1);
    }

    function test_bindRollup_onceByTheDeployer() public {
        SequencerRegistry fresh = new SequencerRegistry(token, config);
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__NotDeployer.selector, alice));
        vm.prank(alice);
        fresh.bindRollup(alice);
        fresh.bindRollup(bob);
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__RollupAlreadyBound.selector, bob));
        fresh.bindRollup(alice);
    }

    function test_constructor_revertsOnAnInvalidConfiguration() public {
        RegistryConfig memory bad = config;
        bad.minStake = 0;
        vm.expectRevert(abi.encodeWithSelector(ISequencerRegistry.Registry__InvalidConfig.selector, "minStake", 0));
        new SequencerRegistry(token, bad);
        bad = config;
        bad.maxCommissionBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(ISequencerRegistry.Registry__InvalidConfig.selector, "maxCommissionBps", 10_001)
        );
        new SequencerRegistry(token, bad);
    }

    // ---------------------------------------------------------------- active set views

    function test_activeSequencers_pagesThroughTheActiveSet() public {
        address[] memory all = new address[](5);
        for (uint256 i = 0; i < 5; i++) {
            all[i] = makeAddr(string.concat("s", vm.toString(i)));
            vm.prank(withdrawer);
            registry.register(all[i], withdrawer, minStake);
        }
        vm.roll(block.number + config.entryPeriod);
        address late = makeAddr("late");
        vm.prank(withdrawer);
        registry.register(late, withdrawer, minStake); // Queued: listed, not Active
        vm.prank(withdrawer);
        registry.initiateExit(all[2]); // Exiting: neither
        assertEq(registry.activeCount(), 4);
        assertEq(registry.listedCount(), 5);

        uint256 found;
        uint256 offset;
        while (offset < registry.listedCount()) {
            (address[] memory page, uint256 next) = registry.activeSequencers(offset, 2);
            for (uint256 j = 0; j < page.length; j++) {
                assertEq(uint256(registry.statusOf(page[j])), uint256(SequencerStatus.Active));
                found++;
            }
            offset = next;
        }
        assertEq(found, 4);
        (address[] memory empty, uint256 end) = registry.activeSequencers(10, 2);
        assertEq(empty.length, 0);
        assertEq(end, 5);
    }

    // ---------------------------------------------------------------- staking token

    function test_stakingToken_mintsOnlyWhenMintableAndByTheOwner() public {
        token.mint(bob, 1);
        vm.expectRevert();
        vm.prank(bob);
        token.mint(bob, 1);
        StakingToken fixedSupply = new StakingToken("F", "F", false, address(this), 5);
        assertEq(fixedSupply.balanceOf(address(this)), 5);
        vm.expectRevert(StakingToken.StakingToken__MintingDisabled.selector);
        fixedSupply.mint(bob, 1);
    }
}
