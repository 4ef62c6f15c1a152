// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {FernetTestBase} from "./Base.t.sol";
import {StakingToken} from "../src/StakingToken.sol";
import {SequencerRegistry} from "../src/SequencerRegistry.sol";
import {Phase, Proposal} from "../src/interfaces/IFernetRollup.sol";
import {RegistryConfig, Withdrawal} from "../src/interfaces/ISequencerRegistry.sol";
import {SlotClock, SlotClockLib} from "../src/libraries/SlotClockLib.sol";
import {PayoutLib} from "../src/libraries/PayoutLib.sol";
import {RewardLib, RewardPool, Position} from "../src/libraries/RewardLib.sol";
import {Profiles} from "../script/Profiles.sol";

/// @dev The highest score wins whatever order the proposals arrive in.
contract ScoreOrderingFuzzTest is FernetTestBase {
    function testFuzz_score_highestScoreIsCanonicalWhateverTheOrder(uint256 slotSeed, bytes32 randao, uint256 order)
        public
    {
        uint256 slot = bound(slotSeed, 3, 50);
        order = order % 1_000;
        // store a RANDAO for slot - LAG so the seed is fuzzed too
        _rollTo(slot - profile.rollup.lag, Phase.Proposal);
        vm.prevrandao(randao);
        rollup.checkpointRandao();
        _rollTo(slot, Phase.Proposal);
        uint256 best = _ranked(slot, true);
        uint256 bestSoFar;
        bool any;
        for (uint256 k = 0; k < SEQUENCERS; k++) {
            uint256 i = (order + k * (order % 3 == 0 ? 1 : 3)) % SEQUENCERS; // a fuzzed visiting order
            Proposal memory proposal = _proposal(slot * 100 + i);
            bytes memory signature = _signProposal(sequencerKeys[i], slot, proposal);
            uint256 s = rollup.score(slot, sequencers[i]);
            if (any && s <= bestSoFar) {
                vm.expectRevert();
                rollup.propose(slot, proposal, sequencers[i], signature);
            } else {
                rollup.propose(slot, proposal, sequencers[i], signature);
                (bestSoFar, any) = (s, true);
            }
        }
        // every sequencer was tried (3 is coprime with 4)
        assertEq(rollup.proposalOf(slot).sequencer, sequencers[best]);
        for (uint256 i = 0; i < SEQUENCERS; i++) {
            assertLe(rollup.score(slot, sequencers[i]), rollup.proposalOf(slot).score);
        }
    }
}

/// @dev Stake accounting and reward splitting in the registry, with the test contract as the rollup.
contract RegistryAccountingFuzzTest is Test {
    StakingToken internal token;
    SequencerRegistry internal registry;
    RegistryConfig internal config;
    address[3] internal seqs;
    address[3] internal holders;

    function setUp() public {
        vm.roll(1_000);
        config = Profiles.devnet().registry;
        token = new StakingToken("Fernet Staking Token", "FST", true, address(this), 0);
        registry = new SequencerRegistry(token, config);
        registry.bindRollup(address(this));
        for (uint256 i = 0; i < 3; i++) {
            seqs[i] = makeAddr(string.concat("seq", vm.toString(i)));
            holders[i] = makeAddr(string.concat("holder", vm.toString(i)));
            token.mint(holders[i], 1e30);
            vm.prank(holders[i]);
            token.approve(address(registry), type(uint256).max);
        }
    }

    /// @dev Sum of own stakes, delegations and undelegated-but-unwithdrawn amounts.
    function _accounted() internal view returns (uint256 total) {
        for (uint256 s = 0; s < 3; s++) {
            total += registry.sequencerOf(seqs[s]).ownStake;
            for (uint256 h = 0; h < 3; h++) {
                total += registry.positionOf(holders[h], seqs[s]);
            }
        }
        for (uint256 h = 0; h < 3; h++) {
            Withdrawal[] memory pending = registry.pendingWithdrawals(holders[h]);
            for (uint256 j = 0; j < pending.length; j++) {
                total += pending[j].amount;
            }
        }
    }

    function testFuzz_stake_sumOfPositionsEqualsTheTokenBalanceHeld(uint256[12] memory ops) public {
        for (uint256 k = 0; k < ops.length; k++) {
            uint256 op = ops[k] % 6;
            uint256 s = (ops[k] >> 8) % 3;
            uint256 h = (ops[k] >> 16) % 3;
            uint256 amount = bound(ops[k] >> 24, 1, 1_000 ether);
            vm.startPrank(holders[h]);
            if (op == 0) {
                try registry.register(seqs[s], holders[h], config.minStake + amount) {} catch {}
            } else if (op == 1) {
                try registry.delegate(seqs[s], amount) {} catch {}
            } else if (op == 2) {
                uint256 position = registry.positionOf(holders[h], seqs[s]);
                if (position > 0) registry.undelegate(seqs[s], bound(amount, 1, position));
            } else if (op == 3) {
                try registry.withdrawUndelegated() {} catch {}
            } else if (op == 4) {
                address withdrawer = registry.sequencerOf(seqs[s]).withdrawer;
                vm.stopPrank();
                vm.prank(withdrawer);
                try registry.initiateExit(seqs[s]) {} catch {}
                vm.startPrank(holders[h]);
            } else {
                try registry.finalizeExit(seqs[s]) {} catch {}
            }
            vm.stopPrank();
            vm.roll(block.number + (ops[k] >> 200) % 40);
            assertEq(token.balanceOf(address(registry)), _accounted());
        }
    }

    function testFuzz_rewardSplit_noDustLost(
        uint256 ownStake,
        uint256[3] memory delegations,
        uint16 commissionBps,
        uint256[4] memory rewards
    ) public {
        ownStake = bound(ownStake, config.minStake, 1e27);
        commissionBps = uint16(bound(commissionBps, 0, config.maxCommissionBps));
        vm.prank(holders[0]);
        registry.register(seqs[0], holders[0], ownStake);
        vm.prank(holders[0]);
        registry.setCommission(seqs[0], commissionBps);
        uint256 stake = ownStake;
        for (uint256 h = 0; h < 3; h++) {
            delegations[h] = bound(delegations[h], 1, 1e27);
            vm.prank(holders[h]);
            registry.delegate(seqs[0], delegations[h]);
            stake += delegations[h];
        }
        uint256 credited;
        for (uint256 r = 0; r < rewards.length; r++) {
            rewards[r] = bound(rewards[r], 0, 1e24);
            token.mint(address(registry), rewards[r]);
            registry.creditReward(seqs[0], rewards[r]);
            credited += rewards[r];
        }
        uint256 claimed;
        for (uint256 h = 0; h < 3; h++) {
            claimed += registry.pendingRewards(holders[h], seqs[0]);
        }
        // Fractions of a wei stay owed (never paid twice): at most one wei per position, plus the
        // remainder carried to the next distribution (below totalShares / SCALE wei). RewardPoolFuzzTest
        // proves that nothing at all is lost at the scaled level.
        assertLe(claimed, credited);
        assertLe(credited - claimed, 4 + stake / 1e18 + 1);
        assertEq(token.balanceOf(address(registry)), stake + credited);
    }

    function testFuzz_rewardSplit_blockRewardAndSlashedBondAddUp(
        uint256 reward,
        uint256 sequencerBps,
        uint256 proverBps,
        uint256 slasherBps
    ) public pure {
        reward = bound(reward, 0, 1e30);
        sequencerBps = bound(sequencerBps, 0, PayoutLib.BPS);
        proverBps = bound(proverBps, 0, PayoutLib.BPS - sequencerBps);
        (uint256 a, uint256 b, uint256 c) = PayoutLib.splitBlockReward(reward, sequencerBps, proverBps);
        assertEq(a + b + c, reward);
        assertGe(c * PayoutLib.BPS, reward * (PayoutLib.BPS - sequencerBps - proverBps));
        slasherBps = bound(slasherBps, 0, PayoutLib.BPS);
        (uint256 slasher, uint256 burnt) = PayoutLib.splitSlashedBond(reward, slasherBps);
        assertEq(slasher + burnt, reward);
    }
}

/// @dev The phase clock partitions every block after genesis into exactly one slot and phase.
contract PhaseClockFuzzTest is Test {
    function testFuzz_phaseClock_everyBlockHasOneSlotAndPhaseInOrder(
        uint256 genesis,
        uint8[5] memory lengths,
        uint256 blockNumber
    ) public pure {
        SlotClock memory clock = SlotClock({
            genesisBlock: bound(genesis, 0, 1e12),
            proposalBlocks: bound(lengths[0], 1, 50),
            commitmentBlocks: bound(lengths[1], 1, 50),
            revealBlocks: bound(lengths[2], 1, 50),
            provingBlocks: bound(lengths[3], 1, 50),
            backupBlocks: bound(lengths[4], 1, 50)
        });
        blockNumber = bound(blockNumber, 0, 1e13);
        uint256 slot = SlotClockLib.slotAt(clock, blockNumber);
        Phase phase = SlotClockLib.phaseAt(clock, slot, blockNumber);
        if (blockNumber < clock.genesisBlock) {
            assertEq(slot, 0);
            assertEq(uint256(phase), uint256(Phase.NotStarted));
            return;
        }
        uint256 start = SlotClockLib.startOf(clock, slot);
        assertLe(start, blockNumber);
        assertLt(blockNumber, SlotClockLib.startOf(clock, slot + 1));
        assertLe(uint256(phase), uint256(Phase.Backup));
        // the phase's window contains the block, and the previous phase ended at or before it
        assertLt(blockNumber, SlotClockLib.endOf(clock, slot, phase));
        if (phase != Phase.Proposal) {
            assertGe(blockNumber, SlotClockLib.endOf(clock, slot, Phase(uint256(phase) - 1)));
        }
        assertEq(SlotClockLib.endOf(clock, slot, Phase.Backup), SlotClockLib.startOf(clock, slot + 1));
        // the same block is Ended for the previous slot and NotStarted for the next
        if (slot > 0) assertEq(uint256(SlotClockLib.phaseAt(clock, slot - 1, blockNumber)), uint256(Phase.Ended));
        assertEq(uint256(SlotClockLib.phaseAt(clock, slot + 1, blockNumber)), uint256(Phase.NotStarted));
    }
}

contract RewardPoolHarness {
    RewardPool internal pool;
    Position[3] internal positions;
    uint256 public claimedScaled;
    uint256 public distributedScaled;

    function deposit(uint256 i, uint256 amount) external {
        RewardLib.deposit(pool, positions[i], amount);
    }

    function withdraw(uint256 i, uint256 amount) external {
        amount = amount % (positions[i].amount + 1);
        RewardLib.withdraw(pool, positions[i], amount);
    }

    function distribute(uint256 amount) external {
        if (RewardLib.distribute(pool, amount)) distributedScaled += amount * RewardLib.SCALE;
    }

    function claim(uint256 i) external {
        claimedScaled += RewardLib.claim(pool, positions[i]) * RewardLib.SCALE;
    }

    /// @dev Everything owed (scaled) plus the carried remainder.
    function heldScaled() external view returns (uint256 total) {
        for (uint256 i = 0; i < 3; i++) {
            total += RewardLib.owedScaled(pool, positions[i]);
        }
        total += pool.remainderScaled;
    }
}

/// @dev The per-share accumulator loses nothing, not even a fraction of a wei.
contract RewardPoolFuzzTest is Test {
    function testFuzz_rewardSplit_accumulatorLosesNoDust(uint256[16] memory ops) public {
        RewardPoolHarness harness = new RewardPoolHarness();
        for (uint256 k = 0; k < ops.length; k++) {
            uint256 i = (ops[k] >> 8) % 3;
            uint256 amount = (ops[k] >> 16) % 1e27;
            uint256 op = ops[k] % 4;
            if (op == 0) harness.deposit(i, amount);
            else if (op == 1) harness.withdraw(i, amount);
            else if (op == 2) harness.distribute(amount % 1e24);
            else harness.claim(i);
            assertEq(harness.claimedScaled() + harness.heldScaled(), harness.distributedScaled());
        }
    }
}
