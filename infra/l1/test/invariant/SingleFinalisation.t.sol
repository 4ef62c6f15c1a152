// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {FernetTestBase} from "../Base.t.sol";
import {FernetRollup} from "../../src/FernetRollup.sol";
import {DevnetVerifier} from "../../src/verifiers/DevnetVerifier.sol";
import {PublicInputs} from "../../src/verifiers/IVerifier.sol";
import {Phase, Proposal, SlotStatus} from "../../src/interfaces/IFernetRollup.sol";

/// @dev Drives the rollup through random interleavings of every block-production call, at random
/// blocks, and counts each successful finalisation per slot.
contract RollupHandler is Test {
    FernetRollup internal rollup;
    DevnetVerifier internal verifier;
    uint256[] internal keys;
    address[] internal sequencers;
    address internal prover;
    uint256 internal bond;

    mapping(uint256 slot => uint256) public finalisations;
    uint256 public totalFinalisations;
    uint256 public maxSlot;
    uint256 public canonicalFinalisations;

    constructor(
        FernetRollup rollup_,
        DevnetVerifier verifier_,
        uint256[] memory keys_,
        address[] memory sequencers_,
        address prover_,
        uint256 bond_
    ) {
        rollup = rollup_;
        verifier = verifier_;
        keys = keys_;
        sequencers = sequencers_;
        prover = prover_;
        bond = bond_;
    }

    /// @dev Every action first lets 0-2 blocks pass, so a run of 64 calls spans several slots, and half
    /// the time takes the canonical path's next step, so runs reach canonical finalisation often; then
    /// the action itself races it.
    modifier step(uint256 wait) {
        uint256 blocks = wait % 3;
        if (blocks != 0) {
            vm.roll(block.number + blocks);
            vm.prevrandao(keccak256(abi.encode(block.number)));
        }
        if ((wait >> 8) % 2 == 0) _drive(wait >> 16);
        _;
    }

    function _slot() internal returns (uint256 slot) {
        slot = rollup.currentSlot();
        if (slot > maxSlot) maxSlot = slot;
    }

    function _proposal(uint256 slot, uint256 variant) internal pure returns (Proposal memory) {
        return Proposal({
            archive: keccak256(abi.encode("archive", slot, variant)),
            blockHash: keccak256(abi.encode("block", slot, variant)),
            txsEffectsHash: keccak256(abi.encode("data", slot)),
            upgradeSignal: bytes32(variant % 2)
        });
    }

    function _data(uint256 slot) internal pure returns (bytes memory) {
        return abi.encode("data", slot);
    }

    function _proof(uint256 slot, Proposal memory p, address who) internal view returns (bytes memory) {
        return verifier.devnetProof(
            PublicInputs(slot, rollup.tip().archive, p.archive, p.blockHash, p.txsEffectsHash, who)
        );
    }

    /// @dev The canonical path's next step for the current phase, so runs reach finalisation often.
    function _drive(uint256 who) internal {
        Phase phase = rollup.currentPhase();
        if (phase == Phase.Proposal) _propose(who, 0);
        else if (phase == Phase.Commitment) _commit();
        else if (phase == Phase.Reveal) _reveal();
        else if (phase == Phase.Proving) _prove();
    }

    function propose(uint256 who, uint256 variant, uint256 wait) external step(wait) {
        _propose(who, variant);
    }

    function commit(uint256 wait) external step(wait) {
        _commit();
    }

    function reveal(uint256 wait) external step(wait) {
        _reveal();
    }

    function prove(uint256 wait) external step(wait) {
        _prove();
    }

    function _propose(uint256 who, uint256 variant) internal {
        uint256 slot = _slot();
        uint256 i = who % sequencers.length;
        Proposal memory p = _proposal(slot, variant % 4);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], rollup.proposalDigest(slot, p));
        try rollup.propose(slot, p, sequencers[i], abi.encodePacked(r, s, v)) {} catch {}
    }

    function _commit() internal {
        uint256 slot = _slot();
        address sequencer = rollup.proposalOf(slot).sequencer;
        if (sequencer == address(0)) return;
        uint256 i;
        while (sequencers[i] != sequencer) i++;
        bytes32 blockHash = rollup.proposalOf(slot).proposal.blockHash;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], rollup.commitmentDigest(slot, blockHash, prover, bond));
        vm.prank(prover);
        try rollup.commitProver(slot, prover, bond, abi.encodePacked(r, s, v)) {} catch {}
    }

    function _reveal() internal {
        uint256 slot = _slot();
        try rollup.reveal(slot, _data(slot)) {} catch {}
    }

    function _prove() internal {
        uint256 slot = _slot();
        Proposal memory p = rollup.proposalOf(slot).proposal;
        bytes memory proof = _proof(slot, p, prover);
        try rollup.submitProof(slot, proof) {
            canonicalFinalisations++;
            finalisations[slot]++;
            totalFinalisations++;
        } catch {}
    }

    function backup(uint256 variant, uint256 wait) external step(wait) {
        uint256 slot = _slot();
        Proposal memory p = _proposal(slot, 100 + variant % 4);
        bytes memory proof = _proof(slot, p, address(this));
        try rollup.submitBackupBlock(slot, p, _data(slot), proof) {
            finalisations[slot]++;
            totalFinalisations++;
        } catch {}
    }

    function slash(uint256 back, uint256 wait) external step(wait) {
        uint256 slot = _slot();
        try rollup.slashBond(slot - bound(back, 0, slot)) {} catch {}
    }
}

/// @dev A slot never has two finalised blocks, and the L2 chain grows by exactly one per finalisation.
contract SingleFinalisationInvariantTest is FernetTestBase {
    RollupHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.roll(GENESIS + _slotBlocks()); // every sequencer is Active from slot 1
        handler = new RollupHandler(rollup, verifier, sequencerKeys, sequencers, prover, profile.rollup.minBond);
        _fund(prover, 1_000_000 ether);
        targetContract(address(handler));
    }

    function invariant_aSlotNeverHasTwoFinalisedBlocks() public view {
        for (uint256 slot = 0; slot <= handler.maxSlot(); slot++) {
            uint256 count = handler.finalisations(slot);
            assertLe(count, 1);
            SlotStatus status = rollup.slotStatus(slot);
            bool finalised = status == SlotStatus.Finalised || status == SlotStatus.BackupFinalised;
            assertEq(count == 1, finalised);
        }
    }

    function afterInvariant() public {
        emit log_named_uint("canonical finalisations", handler.canonicalFinalisations());
        emit log_named_uint("all finalisations", handler.totalFinalisations());
    }

    function invariant_tipGrowsByOnePerFinalisation() public view {
        assertEq(rollup.tip().l2BlockNumber, handler.totalFinalisations());
    }
}
