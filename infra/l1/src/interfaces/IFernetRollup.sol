// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Where a slot stands on the fixed L1 schedule (PROTOCOL.md, "Time"). `Ended` is after the
/// slot's Backup phase; `NotStarted` before its first block.
enum Phase {
    Proposal,
    Commitment,
    Reveal,
    Proving,
    Backup,
    Ended,
    NotStarted
}

/// @notice How far a slot's block got: the canonical path (Proposed → Committed → Revealed →
/// Finalised), or finalised by a backup submission.
enum SlotStatus {
    None,
    Proposed,
    Committed,
    Revealed,
    Finalised,
    BackupFinalised
}

/// @notice The prover's bond: escrowed at commitment, then returned (proof, or the block was never
/// revealed) or slashed (revealed, not proven).
enum BondStatus {
    None,
    Escrowed,
    Returned,
    Slashed
}

/// @notice A block proposal, as the sequencer signs it (EIP-712 `Proposal`, with the slot).
struct Proposal {
    bytes32 archive;
    bytes32 blockHash;
    bytes32 txsEffectsHash;
    bytes32 upgradeSignal;
}

/// @notice The best proposal of a slot so far (canonical once Proposal ends).
struct CanonicalProposal {
    Proposal proposal;
    address sequencer;
    uint256 score;
}

/// @notice A slot's prover commitment.
struct Commitment {
    address prover;
    uint256 bond;
    BondStatus bondStatus;
    bool revealed;
}

/// @notice The proven chain's head.
struct Tip {
    bytes32 archive;
    uint256 l2BlockNumber;
    uint256 slot;
}

/// @notice Every duration (in L1 blocks) and amount (in staking-token wei) of a rollup deployment.
struct RollupConfig {
    uint256 genesisBlock;
    bytes32 genesisArchive;
    uint256 genesisSeed;
    uint256 proposalBlocks;
    uint256 commitmentBlocks;
    uint256 revealBlocks;
    uint256 provingBlocks;
    uint256 backupBlocks;
    uint256 lag;
    uint256 minBond;
    uint256 blockReward;
    uint256 sequencerBps;
    uint256 proverBps;
    uint256 submitterBps;
    uint256 slasherBps;
    uint256 upgradeRound;
    uint256 upgradeQuorum;
}

/// @title IFernetRollup
/// @notice Fernet leader election and Sidecar proving on a fixed slot schedule (PROTOCOL.md).
interface IFernetRollup {
    /// @notice The RANDAO of `slot` is stored; it seeds slot `slot + LAG`.
    event RandaoCheckpointed(uint256 indexed slot, uint256 randao);
    /// @notice `sequencer` now holds the best proposal of `slot`.
    event BlockProposed(
        uint256 indexed slot,
        address indexed sequencer,
        bytes32 indexed blockHash,
        bytes32 archive,
        bytes32 txsEffectsHash,
        bytes32 upgradeSignal,
        uint256 score
    );
    /// @notice `prover` escrowed `bond` to prove the canonical block of `slot`.
    event ProverCommitted(
        uint256 indexed slot, address indexed prover, address indexed sequencer, bytes32 blockHash, uint256 bond
    );
    /// @notice The block data of `slot`, published so a full node can rebuild it from L1 alone.
    event BlockRevealed(uint256 indexed slot, bytes32 indexed blockHash, bytes data);
    /// @notice The canonical block of `slot` is proven: the tip is now `archive` at `l2BlockNumber`.
    event BlockFinalized(uint256 indexed slot, uint256 indexed l2BlockNumber, bytes32 archive);
    /// @notice A backup block of `slot` is proven: the tip is now `archive` at `l2BlockNumber`.
    event BackupBlockFinalized(
        uint256 indexed slot, uint256 indexed l2BlockNumber, bytes32 archive, address indexed submitter
    );
    /// @notice The block reward of `slot` was paid (for a backup block `sequencer` and `prover` are zero
    /// and the submitter takes the whole reward).
    event BlockRewardPaid(
        uint256 indexed slot,
        address indexed sequencer,
        address indexed prover,
        address submitter,
        uint256 sequencerShare,
        uint256 proverShare,
        uint256 submitterShare
    );
    /// @notice The bond of `slot` went back to `prover` (proof verified, or the block was never revealed).
    event BondReleased(uint256 indexed slot, address indexed prover, uint256 bond);
    /// @notice The bond of `slot` was forfeited: `slasherShare` to `slasher`, `burnt` burnt.
    event BondSlashed(
        uint256 indexed slot,
        address indexed prover,
        address indexed slasher,
        uint256 bond,
        uint256 slasherShare,
        uint256 burnt
    );
    /// @notice A finalised block of `slot` signalled `payload`; it has `signals` in `round`.
    event UpgradeSignalled(bytes32 indexed payload, uint256 indexed round, uint256 indexed slot, uint256 signals);
    /// @notice `payload` reached the quorum of signals in `round`.
    event UpgradeApproved(bytes32 indexed payload, uint256 indexed round);
    /// @notice `amount` was added to the block reward pool.
    event RewardsFunded(address indexed funder, uint256 amount);

    error Rollup__InvalidConfig(string field, uint256 value);
    error Rollup__NotStarted(uint256 blockNumber, uint256 genesisBlock);
    error Rollup__RandaoAlreadyCheckpointed(uint256 slot);
    error Rollup__NotProposalPhase(uint256 slot, Phase phase);
    error Rollup__NotCommitmentPhase(uint256 slot, Phase phase);
    error Rollup__NotRevealPhase(uint256 slot, Phase phase);
    error Rollup__NotProvingPhase(uint256 slot, Phase phase);
    error Rollup__SequencerNotEligible(address sequencer);
    error Rollup__InvalidSignature(address expected, address recovered);
    error Rollup__ScoreTooLow(uint256 score, uint256 best);
    error Rollup__NoProposal(uint256 slot);
    error Rollup__SenderNotProver(address sender, address prover);
    error Rollup__BondBelowMinimum(uint256 bond, uint256 minimum);
    error Rollup__AlreadyCommitted(uint256 slot, address prover);
    error Rollup__NoCommitment(uint256 slot);
    error Rollup__AlreadyRevealed(uint256 slot);
    error Rollup__TxsEffectsHashMismatch(bytes32 expected, bytes32 actual);
    error Rollup__NotRevealed(uint256 slot);
    error Rollup__AlreadyFinalised(uint256 slot);
    error Rollup__InvalidProof(uint256 slot);
    error Rollup__BackupNotOpen(uint256 slot, Phase phase, SlotStatus status);
    error Rollup__NoEscrowedBond(uint256 slot, BondStatus status);
    error Rollup__RevealNotOver(uint256 slot, uint256 revealEndsAt);
    error Rollup__ProvingNotOver(uint256 slot, uint256 provingEndsAt);
    error Rollup__ZeroAmount();

    /// @notice Stores `block.prevrandao` for the current slot. Anyone; the first call in a slot wins
    /// (later calls revert; `propose` checkpoints silently).
    function checkpointRandao() external;

    /// @notice Proposes a block for `slot` on behalf of `sequencer`, who signed it (EIP-712 `Proposal`),
    /// so any publisher may send it. Succeeds only during the slot's Proposal phase, for an eligible
    /// sequencer whose score beats the best so far.
    /// @param slot The current slot.
    /// @param proposal Archive after the block, block hash, effects hash, upgrade signal (0: abstain).
    /// @param sequencer The proposing sequencer.
    /// @param signature The sequencer's 65-byte EIP-712 signature over (slot, proposal).
    function propose(uint256 slot, Proposal calldata proposal, address sequencer, bytes calldata signature)
        external;

    /// @notice Commits `prover` (the sender) to prove the canonical block of `slot`, escrowing `bond`
    /// (approve it first). Only during Commitment, once per slot, with the canonical sequencer's
    /// EIP-712 `ProverCommitment` signature.
    /// @param slot The current slot.
    /// @param prover The committing prover; must be `msg.sender`.
    /// @param bond Staking-token wei to escrow, at least `minBond`.
    /// @param sequencerSignature The canonical sequencer's signature over (slot, blockHash, prover, bond).
    function commitProver(uint256 slot, address prover, uint256 bond, bytes calldata sequencerSignature) external;

    /// @notice Publishes the committed block's data of `slot` (anyone, during Reveal); its keccak256
    /// must equal the proposal's `txsEffectsHash`.
    /// @param slot The current slot.
    /// @param data The block's transaction effects.
    function reveal(uint256 slot, bytes calldata data) external;

    /// @notice Submits the proof of the revealed block of `slot` (the prover or any relay, during
    /// Proving) and finalises it: the tip moves, the bond returns, the block reward is paid and the
    /// upgrade signal is counted.
    /// @param slot The current slot.
    /// @param proof A proof of (slot, tip archive, archive, blockHash, txsEffectsHash, committed prover).
    function submitProof(uint256 slot, bytes calldata proof) external;

    /// @notice Forfeits the bond of `slot` once Proving ended on a revealed, unproven block. Anyone;
    /// the caller gets `slasherBps` of it, the rest is burnt.
    /// @param slot The slot whose bond to slash.
    function slashBond(uint256 slot) external;

    /// @notice Returns the bond of `slot` to its prover once Reveal ended without the block's data:
    /// the prover had nothing to prove. Anyone.
    /// @param slot The slot whose bond to release.
    function releaseBond(uint256 slot) external;

    /// @notice Submits and finalises a block for `slot` while backup mode is open (see `isBackupOpen`).
    /// Anyone; the first that verifies wins and the submitter takes the whole block reward.
    /// @param slot The current slot.
    /// @param proposal The block (its upgrade signal is not counted).
    /// @param data The block's data; keccak256(data) must equal `proposal.txsEffectsHash`.
    /// @param proof A proof of (slot, tip archive, archive, blockHash, txsEffectsHash, msg.sender).
    function submitBackupBlock(uint256 slot, Proposal calldata proposal, bytes calldata data, bytes calldata proof)
        external;

    /// @notice Adds `amount` (approve it first) to the pool block rewards are paid from.
    /// @param amount Staking-token wei.
    function fundRewards(uint256 amount) external;

    /// @notice The slot of the current L1 block (0 before genesis, when `currentPhase` is NotStarted).
    function currentSlot() external view returns (uint256);

    /// @notice The scheduled phase of the current slot.
    function currentPhase() external view returns (Phase);

    /// @notice The scheduled phase of `slot` at L1 block `blockNumber` (backup may open earlier: see
    /// `isBackupOpen`).
    function phaseAt(uint256 slot, uint256 blockNumber) external view returns (Phase);

    /// @notice The first L1 block of `slot`.
    function slotStartBlock(uint256 slot) external view returns (uint256);

    /// @notice Whether anyone may submit a backup block for `slot` now.
    function isBackupOpen(uint256 slot) external view returns (bool);

    /// @notice The RANDAO stored for `slot`, if any.
    function randaoOf(uint256 slot) external view returns (bool stored, uint256 randao);

    /// @notice The election seed of `slot`: the RANDAO stored for `slot - LAG`, else the latest stored
    /// before it, else the genesis seed.
    function seedOf(uint256 slot) external view returns (uint256);

    /// @notice `sequencer`'s score in `slot`: uint256(keccak256(abi.encode(seedOf(slot), slot, sequencer))).
    function score(uint256 slot, address sequencer) external view returns (uint256);

    /// @notice The best proposal of `slot` so far, its sequencer and score.
    function proposalOf(uint256 slot) external view returns (CanonicalProposal memory);

    /// @notice The prover commitment of `slot`.
    function commitmentOf(uint256 slot) external view returns (Commitment memory);

    /// @notice How far the block of `slot` got.
    function slotStatus(uint256 slot) external view returns (SlotStatus);

    /// @notice The proven chain's head (archive, L2 block number, slot it was finalised in).
    function tip() external view returns (Tip memory);

    /// @notice The EIP-712 digest a sequencer signs to propose `proposal` in `slot`.
    function proposalDigest(uint256 slot, Proposal calldata proposal) external view returns (bytes32);

    /// @notice The EIP-712 digest a sequencer signs to let `prover` commit `bond` for `blockHash` in `slot`.
    function commitmentDigest(uint256 slot, bytes32 blockHash, address prover, uint256 bond)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 domain separator (name "FernetRollup", version "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32);

    /// @notice Signals counted for `payload` in upgrade round `round` (blocks `round * ROUND + 1` to
    /// `(round + 1) * ROUND`).
    function upgradeSignals(bytes32 payload, uint256 round) external view returns (uint256);

    /// @notice Staking-token wei left to pay block rewards with.
    function rewardPool() external view returns (uint256);

    /// @notice Every parameter of this deployment.
    function config() external view returns (RollupConfig memory);

    /// @notice L1 block at which slot 0 starts.
    function genesisBlock() external view returns (uint256);

    /// @notice L1 blocks per slot: the sum of the five phase lengths.
    function slotBlocks() external view returns (uint256);
}
