// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FernetTestBase} from "./Base.t.sol";
import {IFernetRollup, Phase, SlotStatus, BondStatus, Proposal} from "../src/interfaces/IFernetRollup.sol";
import {ISequencerRegistry, SequencerStatus} from "../src/interfaces/ISequencerRegistry.sol";

/// @dev Whole slots, end to end, on the devnet profile.
contract ScenariosTest is FernetTestBase {
    function _backupBlock(uint256 slot) internal {
        Proposal memory proposal = _proposal(slot + 1000);
        proposal.txsEffectsHash = keccak256(_data(slot));
        bytes memory proof = _proof(slot, proposal, relay);
        uint256 before = token.balanceOf(relay);
        vm.prank(relay);
        rollup.submitBackupBlock(slot, proposal, _data(slot), proof);
        assertEq(uint256(rollup.slotStatus(slot)), uint256(SlotStatus.BackupFinalised));
        assertEq(rollup.tip().archive, proposal.archive);
        assertEq(token.balanceOf(relay), before + profile.rollup.blockReward);
    }

    function test_scenario_happyPath() public {
        for (uint256 slot = 1; slot <= 3; slot++) {
            Proposal memory proposal = _proposal(slot);
            uint256 index = _propose(slot, proposal);
            assertEq(rollup.proposalOf(slot).sequencer, sequencers[index]);
            _commit(slot, index, proposal);
            _reveal(slot);
            _prove(slot, proposal);
            assertEq(rollup.tip().l2BlockNumber, slot);
            assertEq(rollup.tip().archive, proposal.archive);
            assertFalse(rollup.isBackupOpen(slot));
        }
        assertEq(token.balanceOf(address(rollup)), FUNDS - 3 * profile.rollup.blockReward);
    }

    function test_scenario_noProposalThenBackup() public {
        _rollTo(1, Phase.Commitment);
        assertTrue(rollup.isBackupOpen(1));
        _backupBlock(1);
        // the next slot runs normally on top of the backup block
        _produce(2, _proposal(2));
        assertEq(rollup.tip().l2BlockNumber, 2);
    }

    function test_scenario_noCommitmentThenBackup() public {
        _propose(1, _proposal(1));
        _rollTo(1, Phase.Reveal);
        assertTrue(rollup.isBackupOpen(1));
        _backupBlock(1);
        _rollTo(1, Phase.Proving);
        assertFalse(rollup.isBackupOpen(1));
    }

    function test_scenario_commitmentButNoProofThenSlashThenBackup() public {
        Proposal memory proposal = _proposal(1);
        _commit(1, _propose(1, proposal), proposal);
        _reveal(1);
        _rollTo(1, Phase.Proving);
        assertFalse(rollup.isBackupOpen(1));
        _rollTo(1, Phase.Backup);
        uint256 proverBefore = token.balanceOf(prover);
        vm.prank(stranger);
        rollup.slashBond(1);
        assertEq(token.balanceOf(prover), proverBefore);
        assertEq(uint256(rollup.commitmentOf(1).bondStatus), uint256(BondStatus.Slashed));
        _backupBlock(1);
        assertEq(rollup.tip().l2BlockNumber, 1);
    }

    function test_scenario_noRevealThenBackupAndTheBondGoesBack() public {
        Proposal memory proposal = _proposal(1);
        _commit(1, _propose(1, proposal), proposal);
        _rollTo(1, Phase.Proving);
        assertTrue(rollup.isBackupOpen(1));
        _backupBlock(1);
        uint256 before = token.balanceOf(prover);
        rollup.releaseBond(1);
        assertEq(token.balanceOf(prover), before + profile.rollup.minBond);
    }

    function test_scenario_exitAndReEntry() public {
        uint256 index = _ranked(1, true);
        address sequencer = sequencers[index];
        address withdrawer = withdrawers[index];
        vm.prank(withdrawer);
        registry.initiateExit(sequencer);
        // Exiting: no longer eligible, cannot exit twice, stake locked for the exit delay
        _rollTo(1, Phase.Proposal);
        Proposal memory proposal = _proposal(1);
        bytes memory signature = _signProposal(sequencerKeys[index], 1, proposal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__SequencerNotEligible.selector, sequencer));
        rollup.propose(1, proposal, sequencer, signature);
        // re-registering while Exiting is refused
        vm.expectRevert(
            abi.encodeWithSelector(
                ISequencerRegistry.Registry__AlreadyRegistered.selector, sequencer, SequencerStatus.Exiting
            )
        );
        vm.prank(withdrawer);
        registry.register(sequencer, withdrawer, profile.registry.minStake);

        vm.roll(block.number + profile.registry.exitDelay);
        registry.finalizeExit(sequencer);
        assertEq(token.balanceOf(withdrawer), profile.registry.minStake);
        // re-entry after Exited: Queued again for a full entry period, then Active and eligible
        _fund(withdrawer, 0);
        vm.prank(withdrawer);
        registry.register(sequencer, withdrawer, profile.registry.minStake);
        assertEq(uint256(registry.statusOf(sequencer)), uint256(SequencerStatus.Queued));
        assertFalse(registry.isEligible(sequencer));
        vm.roll(block.number + profile.registry.entryPeriod);
        assertTrue(registry.isEligible(sequencer));
        assertEq(registry.activeCount(), SEQUENCERS);
    }

    function test_scenario_delegationRewardsWithCommission() public {
        uint256 index = _ranked(1, true);
        address sequencer = sequencers[index];
        address withdrawer = withdrawers[index];
        address delegator = makeAddr("delegator");
        vm.prank(withdrawer);
        registry.setCommission(sequencer, 2_000); // 20 %
        _fund(delegator, 300 ether);
        vm.prank(delegator);
        registry.delegate(sequencer, 300 ether); // 300 of 400 stake

        _produce(1, _proposal(1));
        uint256 sequencerShare = profile.rollup.blockReward * profile.rollup.sequencerBps / 10_000; // 7
        uint256 commission = sequencerShare * 2_000 / 10_000; // 1.4
        uint256 rest = sequencerShare - commission; // 5.6
        assertEq(registry.pendingRewards(delegator, sequencer), rest * 3 / 4);
        assertEq(registry.pendingRewards(withdrawer, sequencer), commission + rest / 4);

        vm.prank(delegator);
        registry.claimRewards(sequencer);
        assertEq(token.balanceOf(delegator), rest * 3 / 4);
        vm.prank(withdrawer);
        registry.claimRewards(sequencer);
        assertEq(token.balanceOf(withdrawer), commission + rest / 4);
        // everything the registry holds is stake again: no reward left behind
        assertEq(token.balanceOf(address(registry)), SEQUENCERS * profile.registry.minStake + 300 ether);
    }

    function test_scenario_upgradeApprovedAtQuorum() public {
        bytes32 payload = keccak256("upgrade to v2");
        uint256 quorum = profile.rollup.upgradeQuorum;
        for (uint256 slot = 1; slot <= quorum; slot++) {
            Proposal memory proposal = _proposal(slot);
            proposal.upgradeSignal = payload;
            uint256 index = _propose(slot, proposal);
            _commit(slot, index, proposal);
            _reveal(slot);
            _rollTo(slot, Phase.Proving);
            bytes memory proof = _proof(slot, proposal, prover);
            if (slot == quorum) {
                vm.expectEmit(address(rollup));
                emit IFernetRollup.UpgradeApproved(payload, 0);
            }
            rollup.submitProof(slot, proof);
        }
        assertEq(rollup.upgradeSignals(payload, 0), quorum);
    }

    function test_scenario_upgradeSignalsDoNotCarryAcrossRounds() public {
        bytes32 payload = keccak256("upgrade to v2");
        uint256 round = profile.rollup.upgradeRound;
        // blocks 1..round-1 abstain (backup blocks), block `round` signals, block round+1 signals
        for (uint256 slot = 1; slot < round; slot++) {
            _rollTo(slot, Phase.Backup);
            _backupBlock(slot);
        }
        for (uint256 slot = round; slot <= round + 1; slot++) {
            Proposal memory proposal = _proposal(slot);
            proposal.upgradeSignal = payload;
            _produce(slot, proposal);
        }
        assertEq(rollup.upgradeSignals(payload, 0), 1);
        assertEq(rollup.upgradeSignals(payload, 1), 1);
    }
}
