// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
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
} from "./interfaces/IFernetRollup.sol";
import {ISequencerRegistry} from "./interfaces/ISequencerRegistry.sol";
import {IVerifier, PublicInputs} from "./verifiers/IVerifier.sol";
import {SlotClock, SlotClockLib} from "./libraries/SlotClockLib.sol";
import {RandaoLog, ElectionLib} from "./libraries/ElectionLib.sol";
import {SignatureLib} from "./libraries/SignatureLib.sol";
import {PayoutLib} from "./libraries/PayoutLib.sol";
import {UpgradeTally, UpgradeSignalLib} from "./libraries/UpgradeSignalLib.sol";

/// @title FernetRollup
/// @notice Fernet leader election and Sidecar proving on a fixed slot schedule (PROTOCOL.md): RANDAO
/// checkpoints, proposals signed by sequencers (EIP-712) and sent by any publisher, prover commitments
/// with a bond, reveal, proof, finalisation with the block reward, bond slashing, backup blocks and
/// upgrade signals. The rules are decided in the libraries; this contract keeps the state and the tokens.
contract FernetRollup is IFernetRollup, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice The EIP-712 domain name; the version is "1".
    string public constant EIP712_NAME = "FernetRollup";
    /// @notice The EIP-712 domain version.
    string public constant EIP712_VERSION = "1";

    /// @notice The token bonds are escrowed and rewards paid in (burnable: slashed bonds are burnt).
    IERC20 public immutable stakingToken;
    /// @notice Decides who is eligible to propose and books the sequencer side of rewards.
    ISequencerRegistry public immutable registry;
    /// @notice Checks block proofs.
    IVerifier public immutable verifier;

    uint256 private immutable GENESIS_BLOCK;
    bytes32 private immutable GENESIS_ARCHIVE;
    uint256 private immutable GENESIS_SEED;
    uint256 private immutable PROPOSAL_BLOCKS;
    uint256 private immutable COMMITMENT_BLOCKS;
    uint256 private immutable REVEAL_BLOCKS;
    uint256 private immutable PROVING_BLOCKS;
    uint256 private immutable BACKUP_BLOCKS;
    uint256 private immutable LAG;
    uint256 private immutable MIN_BOND;
    uint256 private immutable BLOCK_REWARD;
    uint256 private immutable SEQUENCER_BPS;
    uint256 private immutable PROVER_BPS;
    uint256 private immutable SUBMITTER_BPS;
    uint256 private immutable SLASHER_BPS;
    uint256 private immutable UPGRADE_ROUND;
    uint256 private immutable UPGRADE_QUORUM;

    RandaoLog private _randao;
    UpgradeTally private _upgrades;
    Tip private _tip;
    uint256 private _rewardPool;
    mapping(uint256 slot => CanonicalProposal) private _proposals;
    mapping(uint256 slot => Commitment) private _commitments;
    mapping(uint256 slot => SlotStatus) private _status;

    /// @param token The staking token (bonds and rewards).
    /// @param registry_ The sequencer registry; it must bind this rollup before the first reward.
    /// @param verifier_ The proof verifier.
    /// @param config_ Every duration (L1 blocks) and amount (token wei) of this deployment.
    constructor(ERC20Burnable token, ISequencerRegistry registry_, IVerifier verifier_, RollupConfig memory config_)
        EIP712(EIP712_NAME, EIP712_VERSION)
    {
        _validate(address(token), address(registry_), address(verifier_), config_);
        stakingToken = IERC20(address(token));
        registry = registry_;
        verifier = verifier_;
        GENESIS_BLOCK = config_.genesisBlock;
        GENESIS_ARCHIVE = config_.genesisArchive;
        GENESIS_SEED = config_.genesisSeed;
        PROPOSAL_BLOCKS = config_.proposalBlocks;
        COMMITMENT_BLOCKS = config_.commitmentBlocks;
        REVEAL_BLOCKS = config_.revealBlocks;
        PROVING_BLOCKS = config_.provingBlocks;
        BACKUP_BLOCKS = config_.backupBlocks;
        LAG = config_.lag;
        MIN_BOND = config_.minBond;
        BLOCK_REWARD = config_.blockReward;
        SEQUENCER_BPS = config_.sequencerBps;
        PROVER_BPS = config_.proverBps;
        SUBMITTER_BPS = config_.submitterBps;
        SLASHER_BPS = config_.slasherBps;
        UPGRADE_ROUND = config_.upgradeRound;
        UPGRADE_QUORUM = config_.upgradeQuorum;
        _tip = Tip({archive: config_.genesisArchive, l2BlockNumber: 0, slot: 0});
    }

    // ------------------------------------------------------------------ election

    /// @inheritdoc IFernetRollup
    function checkpointRandao() external {
        uint256 slot = _currentSlotStarted();
        if (!_checkpoint(slot)) revert Rollup__RandaoAlreadyCheckpointed(slot);
    }

    // ------------------------------------------------------------------ block production

    /// @inheritdoc IFernetRollup
    function propose(uint256 slot, Proposal calldata proposal, address sequencer, bytes calldata signature)
        external
    {
        SlotClock memory clock = _clock();
        Phase phase = SlotClockLib.phaseAt(clock, slot, block.number);
        if (phase != Phase.Proposal) revert Rollup__NotProposalPhase(slot, phase);

        uint256 sequencerScore = _score(slot, sequencer);
        CanonicalProposal storage best = _proposals[slot];
        if (_status[slot] != SlotStatus.None && sequencerScore <= best.score) {
            revert Rollup__ScoreTooLow(sequencerScore, best.score);
        }
        address signer = SignatureLib.signerOf(_hashTypedDataV4(SignatureLib.proposalHash(slot, proposal)), signature);
        if (signer != sequencer) revert Rollup__InvalidSignature(sequencer, signer);
        if (!registry.isEligible(sequencer)) revert Rollup__SequencerNotEligible(sequencer);

        _checkpoint(slot);
        best.proposal = proposal;
        best.sequencer = sequencer;
        best.score = sequencerScore;
        _status[slot] = SlotStatus.Proposed;
        emit BlockProposed(
            slot,
            sequencer,
            proposal.blockHash,
            proposal.archive,
            proposal.txsEffectsHash,
            proposal.upgradeSignal,
            sequencerScore
        );
    }

    /// @inheritdoc IFernetRollup
    function commitProver(uint256 slot, address prover, uint256 bond, bytes calldata sequencerSignature)
        external
    {
        if (msg.sender != prover) revert Rollup__SenderNotProver(msg.sender, prover);
        Phase phase = SlotClockLib.phaseAt(_clock(), slot, block.number);
        if (phase != Phase.Commitment) revert Rollup__NotCommitmentPhase(slot, phase);
        SlotStatus status = _status[slot];
        if (status == SlotStatus.None) revert Rollup__NoProposal(slot);
        if (status == SlotStatus.BackupFinalised) revert Rollup__AlreadyFinalised(slot);
        if (status != SlotStatus.Proposed) revert Rollup__AlreadyCommitted(slot, _commitments[slot].prover);
        if (bond < MIN_BOND) revert Rollup__BondBelowMinimum(bond, MIN_BOND);

        CanonicalProposal storage canonical = _proposals[slot];
        bytes32 blockHash = canonical.proposal.blockHash;
        address signer = SignatureLib.signerOf(
            _hashTypedDataV4(SignatureLib.commitmentHash(slot, blockHash, prover, bond)), sequencerSignature
        );
        if (signer != canonical.sequencer) revert Rollup__InvalidSignature(canonical.sequencer, signer);

        _commitments[slot] = Commitment({prover: prover, bond: bond, bondStatus: BondStatus.Escrowed, revealed: false});
        _status[slot] = SlotStatus.Committed;
        stakingToken.safeTransferFrom(prover, address(this), bond);
        emit ProverCommitted(slot, prover, canonical.sequencer, blockHash, bond);
    }

    /// @inheritdoc IFernetRollup
    function reveal(uint256 slot, bytes calldata data) external {
        Phase phase = SlotClockLib.phaseAt(_clock(), slot, block.number);
        if (phase != Phase.Reveal) revert Rollup__NotRevealPhase(slot, phase);
        SlotStatus status = _status[slot];
        if (status == SlotStatus.None) revert Rollup__NoProposal(slot);
        if (status == SlotStatus.Proposed) revert Rollup__NoCommitment(slot);
        if (status == SlotStatus.BackupFinalised) revert Rollup__AlreadyFinalised(slot);
        if (status != SlotStatus.Committed) revert Rollup__AlreadyRevealed(slot);

        Proposal storage proposal = _proposals[slot].proposal;
        bytes32 actual = keccak256(data);
        if (actual != proposal.txsEffectsHash) revert Rollup__TxsEffectsHashMismatch(proposal.txsEffectsHash, actual);

        _commitments[slot].revealed = true;
        _status[slot] = SlotStatus.Revealed;
        emit BlockRevealed(slot, proposal.blockHash, data);
    }

    /// @inheritdoc IFernetRollup
    function submitProof(uint256 slot, bytes calldata proof) external {
        Phase phase = SlotClockLib.phaseAt(_clock(), slot, block.number);
        if (phase != Phase.Proving) revert Rollup__NotProvingPhase(slot, phase);
        SlotStatus status = _status[slot];
        if (status == SlotStatus.Finalised) revert Rollup__AlreadyFinalised(slot);
        if (status != SlotStatus.Revealed) revert Rollup__NotRevealed(slot);

        CanonicalProposal storage canonical = _proposals[slot];
        Proposal memory proposal = canonical.proposal;
        Commitment storage commitment = _commitments[slot];
        address prover = commitment.prover;
        _verify(slot, proposal, prover, proof);

        _status[slot] = SlotStatus.Finalised;
        uint256 l2BlockNumber = _advanceTip(slot, proposal.archive);
        uint256 bond = commitment.bond;
        commitment.bondStatus = BondStatus.Returned;
        stakingToken.safeTransfer(prover, bond);
        emit BondReleased(slot, prover, bond);
        _payBlockReward(slot, canonical.sequencer, prover);
        _countUpgradeSignal(proposal.upgradeSignal, l2BlockNumber, slot);
        emit BlockFinalized(slot, l2BlockNumber, proposal.archive);
    }

    /// @inheritdoc IFernetRollup
    function slashBond(uint256 slot) external {
        Commitment storage commitment = _commitments[slot];
        if (commitment.bondStatus != BondStatus.Escrowed) revert Rollup__NoEscrowedBond(slot, commitment.bondStatus);
        if (!commitment.revealed) revert Rollup__NotRevealed(slot);
        uint256 provingEndsAt = SlotClockLib.endOf(_clock(), slot, Phase.Proving);
        if (block.number < provingEndsAt) revert Rollup__ProvingNotOver(slot, provingEndsAt);

        uint256 bond = commitment.bond;
        (uint256 slasherShare, uint256 burnt) = PayoutLib.splitSlashedBond(bond, SLASHER_BPS);
        commitment.bondStatus = BondStatus.Slashed;
        if (slasherShare != 0) stakingToken.safeTransfer(msg.sender, slasherShare);
        if (burnt != 0) ERC20Burnable(address(stakingToken)).burn(burnt);
        emit BondSlashed(slot, commitment.prover, msg.sender, bond, slasherShare, burnt);
    }

    /// @inheritdoc IFernetRollup
    function releaseBond(uint256 slot) external {
        Commitment storage commitment = _commitments[slot];
        if (commitment.bondStatus != BondStatus.Escrowed) revert Rollup__NoEscrowedBond(slot, commitment.bondStatus);
        if (commitment.revealed) revert Rollup__AlreadyRevealed(slot);
        uint256 revealEndsAt = SlotClockLib.endOf(_clock(), slot, Phase.Reveal);
        if (block.number < revealEndsAt) revert Rollup__RevealNotOver(slot, revealEndsAt);

        commitment.bondStatus = BondStatus.Returned;
        stakingToken.safeTransfer(commitment.prover, commitment.bond);
        emit BondReleased(slot, commitment.prover, commitment.bond);
    }

    /// @inheritdoc IFernetRollup
    function submitBackupBlock(uint256 slot, Proposal calldata proposal, bytes calldata data, bytes calldata proof)
        external
    {
        if (!_isBackupOpen(slot)) {
            revert Rollup__BackupNotOpen(slot, SlotClockLib.phaseAt(_clock(), slot, block.number), _status[slot]);
        }
        bytes32 actual = keccak256(data);
        if (actual != proposal.txsEffectsHash) revert Rollup__TxsEffectsHashMismatch(proposal.txsEffectsHash, actual);
        _verify(slot, proposal, msg.sender, proof);

        _status[slot] = SlotStatus.BackupFinalised;
        uint256 l2BlockNumber = _advanceTip(slot, proposal.archive);
        emit BlockRevealed(slot, proposal.blockHash, data);
        _payBlockReward(slot, address(0), address(0));
        emit BackupBlockFinalized(slot, l2BlockNumber, proposal.archive, msg.sender);
    }

    /// @inheritdoc IFernetRollup
    function fundRewards(uint256 amount) external {
        if (amount == 0) revert Rollup__ZeroAmount();
        _rewardPool += amount;
        stakingToken.safeTransferFrom(msg.sender, address(this), amount);
        emit RewardsFunded(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IFernetRollup
    function currentSlot() external view returns (uint256) {
        return SlotClockLib.slotAt(_clock(), block.number);
    }

    /// @inheritdoc IFernetRollup
    function currentPhase() external view returns (Phase) {
        SlotClock memory clock = _clock();
        return SlotClockLib.phaseAt(clock, SlotClockLib.slotAt(clock, block.number), block.number);
    }

    /// @inheritdoc IFernetRollup
    function phaseAt(uint256 slot, uint256 blockNumber) external view returns (Phase) {
        return SlotClockLib.phaseAt(_clock(), slot, blockNumber);
    }

    /// @inheritdoc IFernetRollup
    function slotStartBlock(uint256 slot) external view returns (uint256) {
        return SlotClockLib.startOf(_clock(), slot);
    }

    /// @inheritdoc IFernetRollup
    function isBackupOpen(uint256 slot) external view returns (bool) {
        return _isBackupOpen(slot);
    }

    /// @inheritdoc IFernetRollup
    function randaoOf(uint256 slot) external view returns (bool stored, uint256 randao) {
        return ElectionLib.stored(_randao, slot);
    }

    /// @inheritdoc IFernetRollup
    function seedOf(uint256 slot) external view returns (uint256) {
        return ElectionLib.seed(_randao, slot, LAG, GENESIS_SEED);
    }

    /// @inheritdoc IFernetRollup
    function score(uint256 slot, address sequencer) external view returns (uint256) {
        return _score(slot, sequencer);
    }

    /// @inheritdoc IFernetRollup
    function proposalOf(uint256 slot) external view returns (CanonicalProposal memory) {
        return _proposals[slot];
    }

    /// @inheritdoc IFernetRollup
    function commitmentOf(uint256 slot) external view returns (Commitment memory) {
        return _commitments[slot];
    }

    /// @inheritdoc IFernetRollup
    function slotStatus(uint256 slot) external view returns (SlotStatus) {
        return _status[slot];
    }

    /// @inheritdoc IFernetRollup
    function tip() external view returns (Tip memory) {
        return _tip;
    }

    /// @inheritdoc IFernetRollup
    function proposalDigest(uint256 slot, Proposal calldata proposal) external view returns (bytes32) {
        return _hashTypedDataV4(SignatureLib.proposalHash(slot, proposal));
    }

    /// @inheritdoc IFernetRollup
    function commitmentDigest(uint256 slot, bytes32 blockHash, address prover, uint256 bond)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(SignatureLib.commitmentHash(slot, blockHash, prover, bond));
    }

    /// @inheritdoc IFernetRollup
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IFernetRollup
    function upgradeSignals(bytes32 payload, uint256 round) external view returns (uint256) {
        return _upgrades.signals[payload][round];
    }

    /// @inheritdoc IFernetRollup
    function rewardPool() external view returns (uint256) {
        return _rewardPool;
    }

    /// @inheritdoc IFernetRollup
    function config() external view returns (RollupConfig memory) {
        return RollupConfig({
            genesisBlock: GENESIS_BLOCK,
            genesisArchive: GENESIS_ARCHIVE,
            genesisSeed: GENESIS_SEED,
            proposalBlocks: PROPOSAL_BLOCKS,
            commitmentBlocks: COMMITMENT_BLOCKS,
            revealBlocks: REVEAL_BLOCKS,
            provingBlocks: PROVING_BLOCKS,
            backupBlocks: BACKUP_BLOCKS,
            lag: LAG,
            minBond: MIN_BOND,
            blockReward: BLOCK_REWARD,
            sequencerBps: SEQUENCER_BPS,
            proverBps: PROVER_BPS,
            submitterBps: SUBMITTER_BPS,
            slasherBps: SLASHER_BPS,
            upgradeRound: UPGRADE_ROUND,
            upgradeQuorum: UPGRADE_QUORUM
        });
    }

    /// @inheritdoc IFernetRollup
    function genesisBlock() external view returns (uint256) {
        return GENESIS_BLOCK;
    }

    /// @inheritdoc IFernetRollup
    function slotBlocks() external view returns (uint256) {
        return SlotClockLib.slotBlocks(_clock());
    }

    // ------------------------------------------------------------------ internals

    function _clock() private view returns (SlotClock memory) {
        return SlotClock({
            genesisBlock: GENESIS_BLOCK,
            proposalBlocks: PROPOSAL_BLOCKS,
            commitmentBlocks: COMMITMENT_BLOCKS,
            revealBlocks: REVEAL_BLOCKS,
            provingBlocks: PROVING_BLOCKS,
            backupBlocks: BACKUP_BLOCKS
        });
    }

    function _currentSlotStarted() private view returns (uint256) {
        if (block.number < GENESIS_BLOCK) revert Rollup__NotStarted(block.number, GENESIS_BLOCK);
        return SlotClockLib.slotAt(_clock(), block.number);
    }

    function _checkpoint(uint256 slot) private returns (bool stored) {
        uint256 randao = block.prevrandao;
        stored = ElectionLib.checkpoint(_randao, slot, randao);
        if (stored) emit RandaoCheckpointed(slot, randao);
    }

    function _score(uint256 slot, address sequencer) private view returns (uint256) {
        return ElectionLib.score(ElectionLib.seed(_randao, slot, LAG, GENESIS_SEED), slot, sequencer);
    }

    /// @dev Backup opens with the Backup phase, or earlier once the canonical path is broken: right after
    /// Proposal without a proposal, after Commitment without a commitment, after Reveal without the data.
    function _isBackupOpen(uint256 slot) private view returns (bool) {
        SlotStatus status = _status[slot];
        if (status == SlotStatus.Finalised || status == SlotStatus.BackupFinalised) return false;
        Phase phase = SlotClockLib.phaseAt(_clock(), slot, block.number);
        if (phase == Phase.Backup) return true;
        if (phase == Phase.Commitment) return status == SlotStatus.None;
        if (phase == Phase.Reveal) return status == SlotStatus.None || status == SlotStatus.Proposed;
        if (phase == Phase.Proving) return status != SlotStatus.Revealed;
        return false;
    }

    function _verify(uint256 slot, Proposal memory proposal, address prover, bytes calldata proof) private view {
        PublicInputs memory inputs = PublicInputs({
            slot: slot,
            previousArchive: _tip.archive,
            archive: proposal.archive,
            blockHash: proposal.blockHash,
            txsEffectsHash: proposal.txsEffectsHash,
            prover: prover
        });
        if (!verifier.verify(inputs, proof)) revert Rollup__InvalidProof(slot);
    }

    function _advanceTip(uint256 slot, bytes32 archive) private returns (uint256 l2BlockNumber) {
        l2BlockNumber = _tip.l2BlockNumber + 1;
        _tip = Tip({archive: archive, l2BlockNumber: l2BlockNumber, slot: slot});
    }

    /// @dev Pays `BLOCK_REWARD`, or what is left in the pool, so finalisation never fails for want of
    /// funds. A backup block (`sequencer` zero) pays the sequencer's and the prover's share to the sender.
    function _payBlockReward(uint256 slot, address sequencer, address prover) private {
        uint256 reward = BLOCK_REWARD < _rewardPool ? BLOCK_REWARD : _rewardPool;
        _rewardPool -= reward;
        uint256 sequencerShare;
        uint256 proverShare;
        uint256 submitterShare = reward;
        if (sequencer != address(0)) {
            (sequencerShare, proverShare, submitterShare) =
                PayoutLib.splitBlockReward(reward, SEQUENCER_BPS, PROVER_BPS);
            if (sequencerShare != 0) {
                stakingToken.safeTransfer(address(registry), sequencerShare);
                registry.creditReward(sequencer, sequencerShare);
            }
            if (proverShare != 0) stakingToken.safeTransfer(prover, proverShare);
        }
        if (submitterShare != 0) stakingToken.safeTransfer(msg.sender, submitterShare);
        emit BlockRewardPaid(slot, sequencer, prover, msg.sender, sequencerShare, proverShare, submitterShare);
    }

    function _countUpgradeSignal(bytes32 payload, uint256 l2BlockNumber, uint256 slot) private {
        if (payload == bytes32(0)) return;
        (uint256 round, uint256 signals, bool approved) =
            UpgradeSignalLib.record(_upgrades, payload, l2BlockNumber, UPGRADE_ROUND, UPGRADE_QUORUM);
        emit UpgradeSignalled(payload, round, slot, signals);
        if (approved) emit UpgradeApproved(payload, round);
    }

    function _validate(address token, address registry_, address verifier_, RollupConfig memory c) private pure {
        if (token == address(0) || registry_ == address(0) || verifier_ == address(0)) {
            revert Rollup__InvalidConfig("address", 0);
        }
        if (c.proposalBlocks == 0) revert Rollup__InvalidConfig("proposalBlocks", 0);
        if (c.commitmentBlocks == 0) revert Rollup__InvalidConfig("commitmentBlocks", 0);
        if (c.revealBlocks == 0) revert Rollup__InvalidConfig("revealBlocks", 0);
        if (c.provingBlocks == 0) revert Rollup__InvalidConfig("provingBlocks", 0);
        if (c.backupBlocks == 0) revert Rollup__InvalidConfig("backupBlocks", 0);
        // LAG 0 would let a proposer re-roll its own score with the RANDAO of the slot it proposes in.
        if (c.lag == 0) revert Rollup__InvalidConfig("lag", 0);
        if (c.minBond == 0) revert Rollup__InvalidConfig("minBond", 0);
        uint256 shares = c.sequencerBps + c.proverBps + c.submitterBps;
        if (shares != PayoutLib.BPS) revert Rollup__InvalidConfig("sequencerBps+proverBps+submitterBps", shares);
        if (c.slasherBps > PayoutLib.BPS) revert Rollup__InvalidConfig("slasherBps", c.slasherBps);
        if (c.upgradeRound == 0) revert Rollup__InvalidConfig("upgradeRound", 0);
        if (c.upgradeQuorum == 0 || c.upgradeQuorum > c.upgradeRound) {
            revert Rollup__InvalidConfig("upgradeQuorum", c.upgradeQuorum);
        }
    }
}
