// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FernetTestBase} from "./Base.t.sol";
import {FernetRollup} from "../src/FernetRollup.sol";
import {
    IFernetRollup,
    Phase,
    SlotStatus,
    BondStatus,
    Proposal,
    CanonicalProposal,
    Commitment,
    Tip,
    RollupConfig
} from "../src/interfaces/IFernetRollup.sol";
import {PublicInputs} from "../src/verifiers/IVerifier.sol";

/// @dev One test per rule and per revert of PROTOCOL.md, sections Time, Leader election, Block production.
contract FernetRollupTest is FernetTestBase {
    uint256 internal constant SLOT = 1;

    // ================================================================ Time

    function test_time_slotStartsAtGenesisPlusSlotTimesSlotLength() public {
        assertEq(rollup.slotBlocks(), 22);
        assertEq(rollup.slotStartBlock(0), GENESIS);
        assertEq(rollup.slotStartBlock(5), GENESIS + 5 * 22);
        vm.roll(GENESIS + 5 * 22);
        assertEq(rollup.currentSlot(), 5);
        vm.roll(GENESIS + 6 * 22 - 1);
        assertEq(rollup.currentSlot(), 5);
    }

    function test_time_phasesFollowEachOtherWithTheirLengths() public view {
        uint256 start = rollup.slotStartBlock(SLOT);
        Phase[22] memory expected;
        for (uint256 i = 0; i < 22; i++) {
            expected[i] = i < 3 ? Phase.Proposal : i < 5 ? Phase.Commitment : i < 7 ? Phase.Reveal : i < 17
                ? Phase.Proving
                : Phase.Backup;
            assertEq(uint256(rollup.phaseAt(SLOT, start + i)), uint256(expected[i]));
        }
        assertEq(uint256(rollup.phaseAt(SLOT, start + 22)), uint256(Phase.Ended));
        assertEq(uint256(rollup.phaseAt(SLOT, start - 1)), uint256(Phase.NotStarted));
    }

    function test_time_currentPhaseIsNotStartedBeforeGenesis() public {
        vm.roll(GENESIS - 1);
        assertEq(rollup.currentSlot(), 0);
        assertEq(uint256(rollup.currentPhase()), uint256(Phase.NotStarted));
        vm.roll(GENESIS);
        assertEq(uint256(rollup.currentPhase()), uint256(Phase.Proposal));
    }

    function test_time_slotFinalisedEarlyIdlesAndNextSlotStartsOnSchedule() public {
        _produce(SLOT, _proposal(SLOT));
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.Finalised));
        vm.roll(block.number + 1);
        assertEq(rollup.currentSlot(), SLOT);
        assertEq(uint256(rollup.currentPhase()), uint256(Phase.Proving));
        vm.roll(rollup.slotStartBlock(SLOT + 1));
        assertEq(rollup.currentSlot(), SLOT + 1);
        assertEq(uint256(rollup.currentPhase()), uint256(Phase.Proposal));
    }

    function test_time_backupOpensRightAfterProposalWhenNobodyProposed() public {
        _rollTo(SLOT, Phase.Proposal);
        vm.roll(_phaseStart(SLOT, Phase.Commitment) - 1);
        assertFalse(rollup.isBackupOpen(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        assertTrue(rollup.isBackupOpen(SLOT));
    }

    function test_time_backupOpensRightAfterCommitmentWhenNobodyCommitted() public {
        _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        assertFalse(rollup.isBackupOpen(SLOT));
        _rollTo(SLOT, Phase.Reveal);
        assertTrue(rollup.isBackupOpen(SLOT));
    }

    function test_time_backupOpensRightAfterRevealWhenDataNotRevealed() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _rollTo(SLOT, Phase.Reveal);
        assertFalse(rollup.isBackupOpen(SLOT));
        _rollTo(SLOT, Phase.Proving);
        assertTrue(rollup.isBackupOpen(SLOT));
    }

    function test_time_backupOpensInBackupPhaseWhenNoProof() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _reveal(SLOT);
        _rollTo(SLOT, Phase.Proving);
        assertFalse(rollup.isBackupOpen(SLOT));
        _rollTo(SLOT, Phase.Backup);
        assertTrue(rollup.isBackupOpen(SLOT));
    }

    function test_time_backupClosesWhenTheSlotEnds() public {
        _rollTo(SLOT, Phase.Backup);
        assertTrue(rollup.isBackupOpen(SLOT));
        _rollTo(SLOT, Phase.Ended);
        assertFalse(rollup.isBackupOpen(SLOT));
    }

    // ================================================================ Leader election

    function test_checkpointRandao_storesPrevrandaoForTheCurrentSlot() public {
        _rollTo(3, Phase.Reveal);
        vm.prevrandao(bytes32(uint256(42)));
        vm.expectEmit(address(rollup));
        emit IFernetRollup.RandaoCheckpointed(3, 42);
        vm.prank(stranger);
        rollup.checkpointRandao();
        (bool stored, uint256 randao) = rollup.randaoOf(3);
        assertTrue(stored);
        assertEq(randao, 42);
    }

    function test_checkpointRandao_revertsWhenTheSlotAlreadyHasOne() public {
        _rollTo(3, Phase.Proposal);
        rollup.checkpointRandao();
        vm.roll(block.number + 1);
        vm.prevrandao(bytes32(uint256(7)));
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__RandaoAlreadyCheckpointed.selector, 3));
        rollup.checkpointRandao();
    }

    function test_checkpointRandao_revertsBeforeGenesis() public {
        vm.roll(GENESIS - 1);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotStarted.selector, GENESIS - 1, GENESIS));
        rollup.checkpointRandao();
    }

    function test_seed_isTheGenesisSeedForTheFirstLagSlots() public {
        _rollTo(0, Phase.Proposal);
        rollup.checkpointRandao();
        assertEq(rollup.seedOf(0), profile.rollup.genesisSeed);
        assertEq(rollup.seedOf(1), profile.rollup.genesisSeed);
    }

    function test_seed_isTheRandaoStoredForSlotMinusLag() public {
        _rollTo(3, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(333)));
        rollup.checkpointRandao();
        assertEq(rollup.seedOf(5), 333);
    }

    function test_seed_fallsBackToTheLatestStoredBeforeSlotMinusLag() public {
        _rollTo(2, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(222)));
        rollup.checkpointRandao();
        // slots 3 and 4 store nothing
        assertEq(rollup.seedOf(5), 222);
        assertEq(rollup.seedOf(6), 222);
        // and with no checkpoint at all before slot - LAG, the genesis seed
        assertEq(rollup.seedOf(3), profile.rollup.genesisSeed);
    }

    function test_seed_isFixedBeforeTheSlotStarts() public {
        _rollTo(3, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(333)));
        rollup.checkpointRandao();
        uint256 seedOfFive = rollup.seedOf(5);
        _rollTo(4, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(444)));
        rollup.checkpointRandao();
        _rollTo(5, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(555)));
        rollup.checkpointRandao();
        assertEq(rollup.seedOf(5), seedOfFive);
    }

    function test_score_isKeccakOfSeedSlotAndSequencer() public view {
        uint256 expected = uint256(keccak256(abi.encode(rollup.seedOf(SLOT), SLOT, sequencers[0])));
        assertEq(rollup.score(SLOT, sequencers[0]), expected);
    }

    function test_propose_checkpointsRandaoToo() public {
        _rollTo(SLOT, Phase.Proposal);
        vm.prevrandao(bytes32(uint256(1234)));
        uint256 index = _ranked(SLOT, true);
        Proposal memory proposal = _proposal(SLOT);
        rollup.propose(SLOT, proposal, sequencers[index], _signProposal(sequencerKeys[index], SLOT, proposal));
        (bool stored, uint256 randao) = rollup.randaoOf(SLOT);
        assertTrue(stored);
        assertEq(randao, 1234);
    }

    // ================================================================ 1. Proposal

    function test_propose_highestScoreBecomesCanonical() public {
        _rollTo(SLOT, Phase.Proposal);
        uint256 worst = _ranked(SLOT, false);
        uint256 best = _ranked(SLOT, true);
        Proposal memory first = _proposal(SLOT);
        Proposal memory second = _proposal(SLOT + 100);
        rollup.propose(SLOT, first, sequencers[worst], _signProposal(sequencerKeys[worst], SLOT, first));
        assertEq(rollup.proposalOf(SLOT).sequencer, sequencers[worst]);
        vm.roll(block.number + 1);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.BlockProposed(
            SLOT,
            sequencers[best],
            second.blockHash,
            second.archive,
            second.txsEffectsHash,
            second.upgradeSignal,
            rollup.score(SLOT, sequencers[best])
        );
        rollup.propose(SLOT, second, sequencers[best], _signProposal(sequencerKeys[best], SLOT, second));
        CanonicalProposal memory canonical = rollup.proposalOf(SLOT);
        assertEq(canonical.sequencer, sequencers[best]);
        assertEq(canonical.proposal.blockHash, second.blockHash);
        assertEq(canonical.score, rollup.score(SLOT, sequencers[best]));
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.Proposed));
    }

    function test_propose_anyPublisherMaySendTheSequencersSignedProposal() public {
        _propose(SLOT, _proposal(SLOT)); // sent by `publisher`, signed by the sequencer
        assertEq(rollup.proposalOf(SLOT).sequencer, sequencers[_ranked(SLOT, true)]);
    }

    function test_propose_revertsWhenSequencerIsNotEligible() public {
        (address queued, uint256 key) = makeAddrAndKey("queued");
        _rollTo(SLOT, Phase.Proposal);
        _register(queued, makeAddr("queuedWithdrawer"), profile.registry.minStake);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory signature = _signProposal(key, SLOT, proposal);
        if (rollup.score(SLOT, queued) > rollup.score(SLOT, sequencers[_ranked(SLOT, true)])) {
            // only the eligibility check can stop it
        }
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__SequencerNotEligible.selector, queued));
        rollup.propose(SLOT, proposal, queued, signature);
    }

    function test_propose_revertsWhenSequencerIsExiting() public {
        uint256 index = _ranked(SLOT, true);
        vm.prank(withdrawers[index]);
        registry.initiateExit(sequencers[index]);
        _rollTo(SLOT, Phase.Proposal);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory signature = _signProposal(sequencerKeys[index], SLOT, proposal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__SequencerNotEligible.selector, sequencers[index]));
        rollup.propose(SLOT, proposal, sequencers[index], signature);
    }

    function test_propose_revertsOutsideTheProposalPhase() public {
        uint256 index = _ranked(SLOT, true);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory signature = _signProposal(sequencerKeys[index], SLOT, proposal);
        _rollTo(SLOT, Phase.Commitment);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__NotProposalPhase.selector, SLOT, Phase.Commitment)
        );
        rollup.propose(SLOT, proposal, sequencers[index], signature);
    }

    function test_propose_revertsForAFutureSlot() public {
        _rollTo(SLOT, Phase.Proposal);
        uint256 index = _ranked(SLOT + 1, true);
        Proposal memory proposal = _proposal(SLOT + 1);
        bytes memory signature = _signProposal(sequencerKeys[index], SLOT + 1, proposal);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__NotProposalPhase.selector, SLOT + 1, Phase.NotStarted)
        );
        rollup.propose(SLOT + 1, proposal, sequencers[index], signature);
    }

    function test_propose_revertsWhenScoreDoesNotBeatTheBest() public {
        _propose(SLOT, _proposal(SLOT));
        uint256 best = _ranked(SLOT, true);
        uint256 worst = _ranked(SLOT, false);
        uint256 bestScore = rollup.score(SLOT, sequencers[best]);
        Proposal memory proposal = _proposal(SLOT + 100);
        bytes memory signature = _signProposal(sequencerKeys[worst], SLOT, proposal);
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__ScoreTooLow.selector, rollup.score(SLOT, sequencers[worst]), bestScore
            )
        );
        rollup.propose(SLOT, proposal, sequencers[worst], signature);
        // an equal score does not beat it either: the same sequencer cannot replace its own proposal
        signature = _signProposal(sequencerKeys[best], SLOT, proposal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__ScoreTooLow.selector, bestScore, bestScore));
        rollup.propose(SLOT, proposal, sequencers[best], signature);
    }

    function test_propose_revertsWhenNotSignedByTheSequencer() public {
        _rollTo(SLOT, Phase.Proposal);
        uint256 index = _ranked(SLOT, true);
        uint256 other = (index + 1) % SEQUENCERS;
        Proposal memory proposal = _proposal(SLOT);
        bytes memory signature = _signProposal(sequencerKeys[other], SLOT, proposal);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__InvalidSignature.selector, sequencers[index], sequencers[other])
        );
        rollup.propose(SLOT, proposal, sequencers[index], signature);
    }

    function test_propose_revertsWhenTheSignatureIsForAnotherSlotOrContent() public {
        _rollTo(SLOT, Phase.Proposal);
        uint256 index = _ranked(SLOT, true);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory otherSlot = _signProposal(sequencerKeys[index], SLOT + 1, proposal);
        vm.expectPartialRevert(IFernetRollup.Rollup__InvalidSignature.selector);
        rollup.propose(SLOT, proposal, sequencers[index], otherSlot);
        bytes memory signature = _signProposal(sequencerKeys[index], SLOT, proposal);
        proposal.upgradeSignal = keccak256("smuggled");
        vm.expectPartialRevert(IFernetRollup.Rollup__InvalidSignature.selector);
        rollup.propose(SLOT, proposal, sequencers[index], signature);
    }

    function test_propose_revertsOnAMalformedSignature() public {
        _rollTo(SLOT, Phase.Proposal);
        uint256 index = _ranked(SLOT, true);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__InvalidSignature.selector, sequencers[index], address(0))
        );
        rollup.propose(SLOT, _proposal(SLOT), sequencers[index], hex"1234");
    }

    // ================================================================ 2. Prover commitment

    function test_commitProver_escrowsTheBondWithTheCanonicalSequencersSignature() public {
        Proposal memory proposal = _proposal(SLOT);
        uint256 index = _propose(SLOT, proposal);
        uint256 bond = 25 ether;
        _rollTo(SLOT, Phase.Commitment);
        bytes memory signature = _signCommitment(sequencerKeys[index], SLOT, proposal.blockHash, prover, bond);
        uint256 before = token.balanceOf(prover);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.ProverCommitted(SLOT, prover, sequencers[index], proposal.blockHash, bond);
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, bond, signature);
        assertEq(token.balanceOf(prover), before - bond);
        Commitment memory commitment = rollup.commitmentOf(SLOT);
        assertEq(commitment.prover, prover);
        assertEq(commitment.bond, bond);
        assertEq(uint256(commitment.bondStatus), uint256(BondStatus.Escrowed));
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.Committed));
    }

    function _commitmentCall(uint256 index, uint256 bond) internal view returns (bytes memory) {
        return _signCommitment(sequencerKeys[index], SLOT, _proposal(SLOT).blockHash, prover, bond);
    }

    function test_commitProver_revertsWhenTheSenderIsNotTheProver() public {
        uint256 index = _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        bytes memory signature = _commitmentCall(index, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__SenderNotProver.selector, stranger, prover));
        vm.prank(stranger);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
    }

    function test_commitProver_revertsOutsideTheCommitmentPhase() public {
        uint256 index = _propose(SLOT, _proposal(SLOT));
        bytes memory signature = _commitmentCall(index, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__NotCommitmentPhase.selector, SLOT, Phase.Proposal)
        );
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
        _rollTo(SLOT, Phase.Reveal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotCommitmentPhase.selector, SLOT, Phase.Reveal));
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
    }

    function test_commitProver_revertsWithoutAProposal() public {
        _rollTo(SLOT, Phase.Commitment);
        bytes memory signature = _commitmentCall(0, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NoProposal.selector, SLOT));
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
    }

    function test_commitProver_revertsWhenTheSlotIsAlreadyCommitted() public {
        Proposal memory proposal = _proposal(SLOT);
        uint256 index = _propose(SLOT, proposal);
        _commit(SLOT, index, proposal);
        bytes memory signature = _commitmentCall(index, 20 ether);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyCommitted.selector, SLOT, prover));
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 20 ether, signature);
    }

    function test_commitProver_revertsWhenTheBondIsBelowTheMinimum() public {
        uint256 index = _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        uint256 bond = profile.rollup.minBond - 1;
        bytes memory signature = _commitmentCall(index, bond);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__BondBelowMinimum.selector, bond, profile.rollup.minBond)
        );
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, bond, signature);
    }

    function test_commitProver_revertsWhenNotSignedByTheCanonicalSequencer() public {
        uint256 index = _propose(SLOT, _proposal(SLOT));
        uint256 other = (index + 1) % SEQUENCERS;
        _rollTo(SLOT, Phase.Commitment);
        bytes memory signature = _commitmentCall(other, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__InvalidSignature.selector, sequencers[index], sequencers[other])
        );
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
    }

    function test_commitProver_revertsWhenTheSignatureIsForAnotherProverOrBond() public {
        uint256 index = _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        bytes memory signature = _commitmentCall(index, 10 ether);
        vm.expectPartialRevert(IFernetRollup.Rollup__InvalidSignature.selector);
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 11 ether, signature);
        _fund(stranger, 100 ether);
        vm.prank(stranger);
        token.approve(address(rollup), type(uint256).max);
        vm.expectPartialRevert(IFernetRollup.Rollup__InvalidSignature.selector);
        vm.prank(stranger);
        rollup.commitProver(SLOT, stranger, 10 ether, signature);
    }

    function test_commitProver_revertsAfterABackupBlockWasFinalised() public {
        _rollTo(SLOT, Phase.Commitment);
        _backup(SLOT, relay); // nobody proposed: backup opened after Proposal
        bytes memory signature = _commitmentCall(0, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyFinalised.selector, SLOT));
        vm.prank(prover);
        rollup.commitProver(SLOT, prover, 10 ether, signature);
    }

    // ================================================================ 3. Reveal

    function test_reveal_revertsAfterABackupBlockWasFinalised() public {
        _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Reveal);
        _backup(SLOT, relay); // nobody committed: backup opened after Commitment
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyFinalised.selector, SLOT));
        rollup.reveal(SLOT, _data(SLOT));
    }

    function test_reveal_publishesTheDataInAnEvent() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _rollTo(SLOT, Phase.Reveal);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.BlockRevealed(SLOT, proposal.blockHash, _data(SLOT));
        vm.prank(stranger);
        rollup.reveal(SLOT, _data(SLOT));
        assertTrue(rollup.commitmentOf(SLOT).revealed);
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.Revealed));
    }

    function test_reveal_revertsWhenTheDataDoesNotHashToTxsEffectsHash() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _rollTo(SLOT, Phase.Reveal);
        bytes memory wrong = "not the block";
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__TxsEffectsHashMismatch.selector, proposal.txsEffectsHash, keccak256(wrong)
            )
        );
        rollup.reveal(SLOT, wrong);
    }

    function test_reveal_revertsOutsideTheRevealPhase() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotRevealPhase.selector, SLOT, Phase.Commitment));
        rollup.reveal(SLOT, _data(SLOT));
        _rollTo(SLOT, Phase.Proving);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotRevealPhase.selector, SLOT, Phase.Proving));
        rollup.reveal(SLOT, _data(SLOT));
    }

    function test_reveal_revertsWithoutACommitment() public {
        _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Reveal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NoCommitment.selector, SLOT));
        rollup.reveal(SLOT, _data(SLOT));
    }

    function test_reveal_revertsWithoutAProposal() public {
        _rollTo(SLOT, Phase.Reveal);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NoProposal.selector, SLOT));
        rollup.reveal(SLOT, _data(SLOT));
    }

    function test_reveal_revertsWhenAlreadyRevealed() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _reveal(SLOT);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyRevealed.selector, SLOT));
        rollup.reveal(SLOT, _data(SLOT));
    }

    // ================================================================ 4. Proving and 5. Finalisation

    function _revealed() internal returns (Proposal memory proposal, uint256 index) {
        proposal = _proposal(SLOT);
        index = _propose(SLOT, proposal);
        _commit(SLOT, index, proposal);
        _reveal(SLOT);
        _rollTo(SLOT, Phase.Proving);
    }

    function test_submitProof_finalisesMovesTheTipReturnsTheBondAndPaysTheReward() public {
        (Proposal memory proposal, uint256 index) = _revealed();
        uint256 proverBefore = token.balanceOf(prover);
        uint256 reward = profile.rollup.blockReward;
        bytes memory proof = _proof(SLOT, proposal, prover);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.BlockFinalized(SLOT, 1, proposal.archive);
        vm.prank(prover);
        rollup.submitProof(SLOT, proof);

        Tip memory tip = rollup.tip();
        assertEq(tip.archive, proposal.archive);
        assertEq(tip.l2BlockNumber, 1);
        assertEq(tip.slot, SLOT);
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.Finalised));
        assertEq(uint256(rollup.commitmentOf(SLOT).bondStatus), uint256(BondStatus.Returned));
        // the prover is also the submitter here: bond + prover share + submitter share
        uint256 proverShare = reward * profile.rollup.proverBps / 10_000;
        uint256 submitterShare = reward * profile.rollup.submitterBps / 10_000;
        assertEq(token.balanceOf(prover), proverBefore + profile.rollup.minBond + proverShare + submitterShare);
        uint256 sequencerShare = reward * profile.rollup.sequencerBps / 10_000;
        assertEq(registry.pendingRewards(withdrawers[index], sequencers[index]), sequencerShare);
        assertEq(rollup.rewardPool(), FUNDS - reward);
    }

    function test_submitProof_aRelayMaySubmitAndTakesTheSubmitterShare() public {
        (Proposal memory proposal,) = _revealed();
        bytes memory proof = _proof(SLOT, proposal, prover);
        vm.prank(relay);
        rollup.submitProof(SLOT, proof);
        assertEq(token.balanceOf(relay), profile.rollup.blockReward * profile.rollup.submitterBps / 10_000);
        assertEq(rollup.tip().l2BlockNumber, 1);
    }

    function test_submitProof_revertsOnAnInvalidProof() public {
        _revealed();
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidProof.selector, SLOT));
        rollup.submitProof(SLOT, abi.encodePacked(keccak256("garbage")));
    }

    function test_submitProof_revertsWhenTheProofIsForAnotherProver() public {
        (Proposal memory proposal,) = _revealed();
        bytes memory stolen = _proof(SLOT, proposal, relay);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidProof.selector, SLOT));
        vm.prank(relay);
        rollup.submitProof(SLOT, stolen);
    }

    function test_submitProof_revertsWhenPreviousArchiveIsNotTheTip() public {
        (Proposal memory proposal,) = _revealed();
        bytes memory proof = verifier.devnetProof(
            PublicInputs({
                slot: SLOT,
                previousArchive: keccak256("some other chain"),
                archive: proposal.archive,
                blockHash: proposal.blockHash,
                txsEffectsHash: proposal.txsEffectsHash,
                prover: prover
            })
        );
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidProof.selector, SLOT));
        rollup.submitProof(SLOT, proof);
    }

    function test_submitProof_revertsOutsideTheProvingPhase() public {
        (Proposal memory proposal,) = _revealed();
        bytes memory proof = _proof(SLOT, proposal, prover);
        _rollTo(SLOT, Phase.Backup);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotProvingPhase.selector, SLOT, Phase.Backup));
        rollup.submitProof(SLOT, proof);
    }

    function test_submitProof_revertsWhenTheBlockWasNotRevealed() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _rollTo(SLOT, Phase.Proving);
        bytes memory proof = _proof(SLOT, proposal, prover);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotRevealed.selector, SLOT));
        rollup.submitProof(SLOT, proof);
    }

    function test_submitProof_revertsWhenAlreadyFinalised() public {
        (Proposal memory proposal,) = _revealed();
        bytes memory proof = _proof(SLOT, proposal, prover);
        rollup.submitProof(SLOT, proof);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyFinalised.selector, SLOT));
        rollup.submitProof(SLOT, proof);
    }

    function test_reward_paysWhatIsLeftWhenThePoolRunsShort() public {
        FernetRollup poor = new FernetRollup(token, registry, verifier, profile.rollup);
        token.mint(address(this), 3 ether);
        token.approve(address(poor), 3 ether);
        poor.fundRewards(3 ether);
        for (uint256 slot = 1; slot <= 2; slot++) {
            _rollTo(slot, Phase.Backup);
            Proposal memory proposal = _proposal(slot);
            bytes memory proof = verifier.devnetProof(
                PublicInputs({
                    slot: slot,
                    previousArchive: poor.tip().archive,
                    archive: proposal.archive,
                    blockHash: proposal.blockHash,
                    txsEffectsHash: proposal.txsEffectsHash,
                    prover: relay
                })
            );
            vm.prank(relay);
            poor.submitBackupBlock(slot, proposal, _data(slot), proof);
        }
        assertEq(token.balanceOf(relay), 3 ether);
        assertEq(poor.rewardPool(), 0);
        assertEq(poor.tip().l2BlockNumber, 2);
    }

    function test_fundRewards_revertsOnZero() public {
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__ZeroAmount.selector));
        rollup.fundRewards(0);
    }

    function test_devnetVerifier_acceptsOnlyTheHashOfThePublicInputs() public view {
        PublicInputs memory inputs = PublicInputs({
            slot: 1,
            previousArchive: bytes32(uint256(2)),
            archive: bytes32(uint256(3)),
            blockHash: bytes32(uint256(4)),
            txsEffectsHash: bytes32(uint256(5)),
            prover: prover
        });
        bytes memory proof = abi.encodePacked(keccak256(abi.encode(inputs)));
        assertTrue(verifier.verify(inputs, proof));
        assertEq(verifier.devnetProof(inputs), proof);
        assertFalse(verifier.verify(inputs, abi.encodePacked(proof, uint8(0))));
        inputs.slot = 2;
        assertFalse(verifier.verify(inputs, proof));
    }

    // ================================================================ 6. Missed proof

    function test_slashBond_forfeitsTheBondAfterProvingEnds() public {
        _revealed();
        _rollTo(SLOT, Phase.Backup);
        uint256 bond = profile.rollup.minBond;
        uint256 slasherShare = bond * profile.rollup.slasherBps / 10_000;
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(rollup));
        emit IFernetRollup.BondSlashed(SLOT, prover, stranger, bond, slasherShare, bond - slasherShare);
        vm.prank(stranger);
        rollup.slashBond(SLOT);
        assertEq(token.balanceOf(stranger), slasherShare);
        assertEq(token.totalSupply(), supply - (bond - slasherShare));
        assertEq(uint256(rollup.commitmentOf(SLOT).bondStatus), uint256(BondStatus.Slashed));
        assertTrue(rollup.isBackupOpen(SLOT));
    }

    function test_slashBond_revertsBeforeProvingEnds() public {
        _revealed();
        uint256 provingEndsAt = _phaseStart(SLOT, Phase.Backup);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__ProvingNotOver.selector, SLOT, provingEndsAt));
        rollup.slashBond(SLOT);
    }

    function test_slashBond_revertsWhenTheBlockWasNeverRevealed() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _rollTo(SLOT, Phase.Backup);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NotRevealed.selector, SLOT));
        rollup.slashBond(SLOT);
    }

    function test_slashBond_revertsWhenTheBondWasReturnedOrNeverPosted() public {
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NoEscrowedBond.selector, SLOT, BondStatus.None));
        rollup.slashBond(SLOT);
        (Proposal memory proposal,) = _revealed();
        rollup.submitProof(SLOT, _proof(SLOT, proposal, prover));
        _rollTo(SLOT, Phase.Backup);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__NoEscrowedBond.selector, SLOT, BondStatus.Returned)
        );
        rollup.slashBond(SLOT);
    }

    function test_slashBond_revertsWhenAlreadySlashed() public {
        _revealed();
        _rollTo(SLOT, Phase.Backup);
        rollup.slashBond(SLOT);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__NoEscrowedBond.selector, SLOT, BondStatus.Slashed));
        rollup.slashBond(SLOT);
    }

    function test_releaseBond_returnsTheBondWhenTheBlockWasNeverRevealed() public {
        Proposal memory proposal = _proposal(SLOT);
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        uint256 before = token.balanceOf(prover);
        uint256 revealEndsAt = _phaseStart(SLOT, Phase.Proving);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__RevealNotOver.selector, SLOT, revealEndsAt));
        rollup.releaseBond(SLOT);
        _rollTo(SLOT, Phase.Proving);
        vm.prank(stranger);
        rollup.releaseBond(SLOT);
        assertEq(token.balanceOf(prover), before + profile.rollup.minBond);
        assertEq(uint256(rollup.commitmentOf(SLOT).bondStatus), uint256(BondStatus.Returned));
    }

    function test_releaseBond_revertsWhenTheBlockWasRevealed() public {
        _revealed();
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__AlreadyRevealed.selector, SLOT));
        rollup.releaseBond(SLOT);
    }

    // ================================================================ 7. Backup

    function _backup(uint256 slot, address submitter) internal {
        Proposal memory proposal = _proposal(slot + 1000);
        proposal.txsEffectsHash = keccak256(_data(slot));
        bytes memory proof = _proof(slot, proposal, submitter);
        vm.prank(submitter);
        rollup.submitBackupBlock(slot, proposal, _data(slot), proof);
    }

    function test_submitBackupBlock_finalisesAndTheSubmitterTakesTheWholeReward() public {
        _rollTo(SLOT, Phase.Commitment);
        Proposal memory proposal = _proposal(SLOT + 1000);
        proposal.txsEffectsHash = keccak256(_data(SLOT));
        bytes memory proof = _proof(SLOT, proposal, relay);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.BackupBlockFinalized(SLOT, 1, proposal.archive, relay);
        vm.prank(relay);
        rollup.submitBackupBlock(SLOT, proposal, _data(SLOT), proof);
        assertEq(token.balanceOf(relay), profile.rollup.blockReward);
        assertEq(rollup.tip().archive, proposal.archive);
        assertEq(uint256(rollup.slotStatus(SLOT)), uint256(SlotStatus.BackupFinalised));
    }

    function test_submitBackupBlock_revertsWhileBackupIsNotOpen() public {
        _propose(SLOT, _proposal(SLOT));
        _rollTo(SLOT, Phase.Commitment);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory proof = _proof(SLOT, proposal, relay);
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__BackupNotOpen.selector, SLOT, Phase.Commitment, SlotStatus.Proposed
            )
        );
        vm.prank(relay);
        rollup.submitBackupBlock(SLOT, proposal, _data(SLOT), proof);
    }

    function test_submitBackupBlock_firstVerifiedSubmissionWins() public {
        _rollTo(SLOT, Phase.Backup);
        _backup(SLOT, relay);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory proof = _proof(SLOT, proposal, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__BackupNotOpen.selector, SLOT, Phase.Backup, SlotStatus.BackupFinalised
            )
        );
        vm.prank(stranger);
        rollup.submitBackupBlock(SLOT, proposal, _data(SLOT), proof);
    }

    function test_submitBackupBlock_revertsOnAnInvalidProofOrData() public {
        _rollTo(SLOT, Phase.Backup);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory proofForOther = _proof(SLOT, proposal, stranger);
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidProof.selector, SLOT));
        vm.prank(relay);
        rollup.submitBackupBlock(SLOT, proposal, _data(SLOT), proofForOther);
        bytes memory proof = _proof(SLOT, proposal, address(this));
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__TxsEffectsHashMismatch.selector, proposal.txsEffectsHash, keccak256("x")
            )
        );
        rollup.submitBackupBlock(SLOT, proposal, "x", proof);
    }

    function test_submitBackupBlock_revertsAfterTheSlotEnds() public {
        _rollTo(SLOT, Phase.Ended);
        Proposal memory proposal = _proposal(SLOT);
        bytes memory proof = _proof(SLOT, proposal, relay);
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__BackupNotOpen.selector, SLOT, Phase.Ended, SlotStatus.None)
        );
        vm.prank(relay);
        rollup.submitBackupBlock(SLOT, proposal, _data(SLOT), proof);
    }

    // ================================================================ Upgrade voting

    function test_upgrade_signalCountsWhenTheBlockIsFinalised() public {
        bytes32 payload = keccak256("payload");
        Proposal memory proposal = _proposal(SLOT);
        proposal.upgradeSignal = payload;
        uint256 index = _propose(SLOT, proposal);
        _commit(SLOT, index, proposal);
        _reveal(SLOT);
        assertEq(rollup.upgradeSignals(payload, 0), 0);
        _rollTo(SLOT, Phase.Proving);
        vm.expectEmit(address(rollup));
        emit IFernetRollup.UpgradeSignalled(payload, 0, SLOT, 1);
        rollup.submitProof(SLOT, _proof(SLOT, proposal, prover));
        assertEq(rollup.upgradeSignals(payload, 0), 1);
    }

    function test_upgrade_signalOfAnUnfinalisedBlockDoesNotCount() public {
        bytes32 payload = keccak256("payload");
        Proposal memory proposal = _proposal(SLOT);
        proposal.upgradeSignal = payload;
        _commit(SLOT, _propose(SLOT, proposal), proposal);
        _reveal(SLOT);
        _rollTo(SLOT, Phase.Backup);
        rollup.slashBond(SLOT);
        assertEq(rollup.upgradeSignals(payload, 0), 0);
    }

    function test_upgrade_zeroSignalAbstains() public {
        _produce(SLOT, _proposal(SLOT));
        assertEq(rollup.upgradeSignals(bytes32(0), 0), 0);
    }

    // ================================================================ Configuration

    function test_constructor_revertsOnAnInvalidConfiguration() public {
        RollupConfig memory c = profile.rollup;
        c.lag = 0;
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidConfig.selector, "lag", 0));
        new FernetRollup(token, registry, verifier, c);
        c = profile.rollup;
        c.proverBps += 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IFernetRollup.Rollup__InvalidConfig.selector, "sequencerBps+proverBps+submitterBps", 10_001
            )
        );
        new FernetRollup(token, registry, verifier, c);
        c = profile.rollup;
        c.upgradeQuorum = c.upgradeRound + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IFernetRollup.Rollup__InvalidConfig.selector, "upgradeQuorum", c.upgradeQuorum)
        );
        new FernetRollup(token, registry, verifier, c);
        c = profile.rollup;
        c.provingBlocks = 0;
        vm.expectRevert(abi.encodeWithSelector(IFernetRollup.Rollup__InvalidConfig.selector, "provingBlocks", 0));
        new FernetRollup(token, registry, verifier, c);
    }

    function test_config_returnsEveryParameter() public view {
        RollupConfig memory c = rollup.config();
        assertEq(keccak256(abi.encode(c)), keccak256(abi.encode(profile.rollup)));
        assertEq(rollup.genesisBlock(), GENESIS);
        assertEq(rollup.tip().archive, profile.rollup.genesisArchive);
    }

    function test_eip712_digestsFollowTheDocumentedTypeStrings() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("FernetRollup"),
                keccak256("1"),
                block.chainid,
                address(rollup)
            )
        );
        assertEq(rollup.domainSeparator(), domain);
        Proposal memory p = _proposal(SLOT);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Proposal(uint256 slot,bytes32 archive,bytes32 blockHash,bytes32 txsEffectsHash,bytes32 upgradeSignal)"
                ),
                SLOT,
                p.archive,
                p.blockHash,
                p.txsEffectsHash,
                p.upgradeSignal
            )
        );
        assertEq(rollup.proposalDigest(SLOT, p), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        structHash = keccak256(
            abi.encode(
                keccak256("ProverCommitment(uint256 slot,bytes32 blockHash,address prover,uint256 bond)"),
                SLOT,
                p.blockHash,
                prover,
                uint256(10 ether)
            )
        );
        assertEq(
            rollup.commitmentDigest(SLOT, p.blockHash, prover, 10 ether),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash))
        );
    }
}
