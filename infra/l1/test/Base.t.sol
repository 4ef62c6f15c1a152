// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {StakingToken} from "../src/StakingToken.sol";
import {SequencerRegistry} from "../src/SequencerRegistry.sol";
import {FernetRollup} from "../src/FernetRollup.sol";
import {DevnetVerifier} from "../src/verifiers/DevnetVerifier.sol";
import {PublicInputs} from "../src/verifiers/IVerifier.sol";
import {Phase, Proposal} from "../src/interfaces/IFernetRollup.sol";
import {Profile, Profiles} from "../script/Profiles.sol";

/// @dev The devnet profile deployed at block 100 with genesis at 110 and four sequencers registered
/// at block 100 (Active from 120, so from slot 1 on), each with its own withdrawer.
abstract contract FernetTestBase is Test {
    uint256 internal constant START = 100;
    uint256 internal constant GENESIS = 110;
    uint256 internal constant SEQUENCERS = 4;
    uint256 internal constant FUNDS = 1_000_000 ether;

    StakingToken internal token;
    SequencerRegistry internal registry;
    FernetRollup internal rollup;
    DevnetVerifier internal verifier;
    Profile internal profile;

    uint256[] internal sequencerKeys;
    address[] internal sequencers;
    address[] internal withdrawers;
    address internal publisher = makeAddr("publisher");
    address internal prover = makeAddr("prover");
    address internal relay = makeAddr("relay");
    address internal stranger = makeAddr("stranger");

    function setUp() public virtual {
        vm.roll(START);
        profile = Profiles.devnet();
        profile.rollup.genesisBlock = GENESIS;
        profile.rollup.genesisArchive = keccak256("genesis archive");
        token = new StakingToken("Fernet Staking Token", "FST", true, address(this), 0);
        registry = new SequencerRegistry(token, profile.registry);
        verifier = new DevnetVerifier();
        rollup = new FernetRollup(token, registry, verifier, profile.rollup);
        registry.bindRollup(address(rollup));
        token.mint(address(this), FUNDS);
        token.approve(address(rollup), FUNDS);
        rollup.fundRewards(FUNDS);
        _fund(prover, 1_000 ether);
        vm.prank(prover);
        token.approve(address(rollup), type(uint256).max);
        for (uint256 i = 0; i < SEQUENCERS; i++) {
            (address sequencer, uint256 key) = makeAddrAndKey(string.concat("sequencer", vm.toString(i)));
            address withdrawer = makeAddr(string.concat("withdrawer", vm.toString(i)));
            _register(sequencer, withdrawer, profile.registry.minStake);
            sequencerKeys.push(key);
            sequencers.push(sequencer);
            withdrawers.push(withdrawer);
        }
    }

    // ---------------------------------------------------------------- registry helpers

    function _fund(address who, uint256 amount) internal {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(registry), type(uint256).max);
    }

    function _register(address sequencer, address withdrawer, uint256 amount) internal {
        _fund(withdrawer, amount);
        vm.prank(withdrawer);
        registry.register(sequencer, withdrawer, amount);
    }

    // ---------------------------------------------------------------- clock helpers

    function _slotBlocks() internal view returns (uint256) {
        return rollup.slotBlocks();
    }

    /// @dev The first block of `phase` in `slot` (Ended: the next slot's start).
    function _phaseStart(uint256 slot, Phase phase) internal view returns (uint256 at) {
        at = GENESIS + slot * _slotBlocks();
        if (phase == Phase.Proposal) return at;
        at += profile.rollup.proposalBlocks;
        if (phase == Phase.Commitment) return at;
        at += profile.rollup.commitmentBlocks;
        if (phase == Phase.Reveal) return at;
        at += profile.rollup.revealBlocks;
        if (phase == Phase.Proving) return at;
        at += profile.rollup.provingBlocks;
        if (phase == Phase.Backup) return at;
        return at + profile.rollup.backupBlocks;
    }

    /// @dev Rolls to `phase` of `slot`, with a RANDAO that differs per block.
    function _rollTo(uint256 slot, Phase phase) internal {
        uint256 at = _phaseStart(slot, phase);
        vm.roll(at);
        vm.prevrandao(keccak256(abi.encode("randao", at)));
    }

    // ---------------------------------------------------------------- block helpers

    function _data(uint256 slot) internal pure returns (bytes memory) {
        return abi.encodePacked("tx effects of slot ", slot);
    }

    function _proposal(uint256 slot) internal pure returns (Proposal memory) {
        return Proposal({
            archive: keccak256(abi.encode("archive", slot)),
            blockHash: keccak256(abi.encode("block", slot)),
            txsEffectsHash: keccak256(_data(slot)),
            upgradeSignal: bytes32(0)
        });
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signProposal(uint256 key, uint256 slot, Proposal memory proposal) internal view returns (bytes memory) {
        return _sign(key, rollup.proposalDigest(slot, proposal));
    }

    function _signCommitment(uint256 key, uint256 slot, bytes32 blockHash, address prover_, uint256 bond)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, rollup.commitmentDigest(slot, blockHash, prover_, bond));
    }

    /// @dev Index of the registered sequencer with the highest (`best`) or lowest score in `slot`.
    function _ranked(uint256 slot, bool best) internal view returns (uint256 index) {
        uint256 bestScore = rollup.score(slot, sequencers[0]);
        for (uint256 i = 1; i < sequencers.length; i++) {
            uint256 s = rollup.score(slot, sequencers[i]);
            if (best ? s > bestScore : s < bestScore) (index, bestScore) = (i, s);
        }
    }

    function _proof(uint256 slot, Proposal memory proposal, address prover_) internal view returns (bytes memory) {
        return verifier.devnetProof(
            PublicInputs({
                slot: slot,
                previousArchive: rollup.tip().archive,
                archive: proposal.archive,
                blockHash: proposal.blockHash,
                txsEffectsHash: proposal.txsEffectsHash,
                prover: prover_
            })
        );
    }

    /// @dev Rolls to Proposal of `slot` and proposes `proposal` as the best-ranked sequencer; returns it.
    function _propose(uint256 slot, Proposal memory proposal) internal returns (uint256 index) {
        _rollTo(slot, Phase.Proposal);
        index = _ranked(slot, true);
        bytes memory signature = _signProposal(sequencerKeys[index], slot, proposal);
        vm.prank(publisher);
        rollup.propose(slot, proposal, sequencers[index], signature);
    }

    function _commit(uint256 slot, uint256 index, Proposal memory proposal) internal {
        _rollTo(slot, Phase.Commitment);
        uint256 bond = profile.rollup.minBond;
        bytes memory signature = _signCommitment(sequencerKeys[index], slot, proposal.blockHash, prover, bond);
        vm.prank(prover);
        rollup.commitProver(slot, prover, bond, signature);
    }

    function _reveal(uint256 slot) internal {
        _rollTo(slot, Phase.Reveal);
        rollup.reveal(slot, _data(slot));
    }

    function _prove(uint256 slot, Proposal memory proposal) internal {
        _rollTo(slot, Phase.Proving);
        bytes memory proof = _proof(slot, proposal, prover);
        vm.prank(prover);
        rollup.submitProof(slot, proof);
    }

    /// @dev The whole canonical path of `slot`; returns the proposing sequencer's index.
    function _produce(uint256 slot, Proposal memory proposal) internal returns (uint256 index) {
        index = _propose(slot, proposal);
        _commit(slot, index, proposal);
        _reveal(slot);
        _prove(slot, proposal);
    }
}
