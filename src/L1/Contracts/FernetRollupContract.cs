using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;

namespace Hosting.L1.Contracts;

/// <summary>
/// infra/l1's FernetRollup: slots and phases, proposals, prover commitments, reveals, proofs and bonds.
/// Its embedded ABI is a snapshot of the contracts branch (FernetRollup had not reached this branch's
/// infra/l1 yet); BindingTests compares it with forge's output as soon as forge builds it here.
/// </summary>
public sealed class FernetRollupContract(EthereumClient client, Address address)
    : ContractClient(client, address, EmbeddedAbi.Load(ContractName))
{
    /// <summary>The contract's name in infra/l1 and in the embedded ABI.</summary>
    public const string ContractName = "FernetRollup";

    /// <summary>currentSlot().</summary>
    public Task<BigInteger> CurrentSlotAsync() => CallAsync<BigInteger>("currentSlot");

    /// <summary>currentPhase().</summary>
    public Task<RollupPhase> CurrentPhaseAsync() => CallAsync<RollupPhase>("currentPhase");

    /// <summary>slotStatus(slot).</summary>
    public Task<RollupSlotStatus> SlotStatusAsync(BigInteger slot) => CallAsync<RollupSlotStatus>("slotStatus", slot);

    /// <summary>seedOf(slot): the election seed of a slot.</summary>
    public Task<BigInteger> SeedOfAsync(BigInteger slot) => CallAsync<BigInteger>("seedOf", slot);

    /// <summary>score(slot, sequencer): the sequencer's election score in that slot.</summary>
    public Task<BigInteger> ScoreAsync(BigInteger slot, Address sequencer) => CallAsync<BigInteger>("score", slot, sequencer);

    /// <summary>tip(): the latest finalised L2 block.</summary>
    public Task<Tip> TipAsync() => CallAsync<Tip>("tip");

    /// <summary>proposalOf(slot): the canonical (best-scoring) proposal of a slot.</summary>
    public Task<CanonicalProposal> ProposalOfAsync(BigInteger slot) => CallAsync<CanonicalProposal>("proposalOf", slot);

    /// <summary>proposalDigest(slot, proposal): the EIP-712 digest the sequencer signs for a proposal.</summary>
    public Task<Hash32> ProposalDigestAsync(BigInteger slot, Proposal proposal) => CallAsync<Hash32>("proposalDigest", slot, proposal.ToAbi());

    /// <summary>commitmentDigest(slot, blockHash, prover, bond): the EIP-712 digest the sequencer signs to authorise a prover.</summary>
    public Task<Hash32> CommitmentDigestAsync(BigInteger slot, Hash32 blockHash, Address prover, BigInteger bond) =>
        CallAsync<Hash32>("commitmentDigest", slot, blockHash, prover, bond);

    /// <summary>propose(slot, proposal, sequencer, signature), sent by a publisher.</summary>
    public Task<Hash32> ProposeAsync(IEthSigner publisher, BigInteger slot, Proposal proposal, Address sequencer, Signature signature, CancellationToken cancellationToken = default) =>
        SendAsync(publisher, "propose", [slot, proposal.ToAbi(), sequencer, signature.ToArray()], cancellationToken: cancellationToken);

    /// <summary>commitProver(slot, prover, bond, sequencerSignature), sent by the prover.</summary>
    public Task<Hash32> CommitProverAsync(IEthSigner prover, BigInteger slot, BigInteger bond, Signature sequencerSignature, CancellationToken cancellationToken = default) =>
        SendAsync(prover, "commitProver", [slot, prover.Address, bond, sequencerSignature.ToArray()], cancellationToken: cancellationToken);

    /// <summary>reveal(slot, data).</summary>
    public Task<Hash32> RevealAsync(IEthSigner sender, BigInteger slot, byte[] data, CancellationToken cancellationToken = default) =>
        SendAsync(sender, "reveal", [slot, data], cancellationToken: cancellationToken);

    /// <summary>submitProof(slot, proof).</summary>
    public Task<Hash32> SubmitProofAsync(IEthSigner prover, BigInteger slot, byte[] proof, CancellationToken cancellationToken = default) =>
        SendAsync(prover, "submitProof", [slot, proof], cancellationToken: cancellationToken);

    /// <summary>checkpointRandao(): stores the current block's RANDAO for a future slot's seed.</summary>
    public Task<Hash32> CheckpointRandaoAsync(IEthSigner sender, CancellationToken cancellationToken = default) =>
        SendAsync(sender, "checkpointRandao", [], cancellationToken: cancellationToken);

    /// <summary>
    /// The log as one of the records below, as a <see cref="DecodedEvent"/> for the rollup's other
    /// events, or null when it is not the rollup's.
    /// </summary>
    public object? DecodeEvent(Log log) => TryDecode(log) is { } decoded
        ? decoded.Name switch
        {
            "BlockProposed" => decoded.ToRecord<BlockProposed>(),
            "ProverCommitted" => decoded.ToRecord<ProverCommitted>(),
            "BlockFinalized" => decoded.ToRecord<BlockFinalized>(),
            "RandaoCheckpointed" => decoded.ToRecord<RandaoCheckpointed>(),
            _ => decoded,
        }
        : null;

    /// <summary>The enum Phase.</summary>
    public enum RollupPhase
    {
        /// <summary>Sequencers propose.</summary>
        Proposal = 0,

        /// <summary>A prover commits with a bond.</summary>
        Commitment = 1,

        /// <summary>The block's data is revealed.</summary>
        Reveal = 2,

        /// <summary>The prover submits the proof.</summary>
        Proving = 3,

        /// <summary>Anyone may submit a backup block.</summary>
        Backup = 4,

        /// <summary>The slot is over.</summary>
        Ended = 5,

        /// <summary>Before the genesis block.</summary>
        NotStarted = 6,
    }

    /// <summary>The enum SlotStatus.</summary>
    public enum RollupSlotStatus
    {
        /// <summary>Nothing happened in the slot yet.</summary>
        None = 0,

        /// <summary>A proposal is recorded.</summary>
        Proposed = 1,

        /// <summary>A prover committed.</summary>
        Committed = 2,

        /// <summary>The data is revealed.</summary>
        Revealed = 3,

        /// <summary>Proven and finalised.</summary>
        Finalised = 4,

        /// <summary>Finalised by a backup block.</summary>
        BackupFinalised = 5,
    }

    /// <summary>The struct Proposal.</summary>
    public sealed record Proposal(Hash32 Archive, Hash32 BlockHash, Hash32 TxsEffectsHash, Hash32 UpgradeSignal)
    {
        /// <summary>The ABI tuple form.</summary>
        public object?[] ToAbi() => [Archive, BlockHash, TxsEffectsHash, UpgradeSignal];
    }

    /// <summary>The struct CanonicalProposal.</summary>
    public sealed record CanonicalProposal(Proposal Proposal, Address Sequencer, BigInteger Score);

    /// <summary>The struct Tip.</summary>
    public sealed record Tip(Hash32 Archive, BigInteger L2BlockNumber, BigInteger Slot);

    /// <summary>Event BlockProposed.</summary>
    public sealed record BlockProposed(BigInteger Slot, Address Sequencer, Hash32 BlockHash, Hash32 Archive, Hash32 TxsEffectsHash, Hash32 UpgradeSignal, BigInteger Score);

    /// <summary>Event ProverCommitted.</summary>
    public sealed record ProverCommitted(BigInteger Slot, Address Prover, Address Sequencer, Hash32 BlockHash, BigInteger Bond);

    /// <summary>Event BlockFinalized.</summary>
    public sealed record BlockFinalized(BigInteger Slot, BigInteger L2BlockNumber, Hash32 Archive);

    /// <summary>Event RandaoCheckpointed.</summary>
    public sealed record RandaoCheckpointed(BigInteger Slot, BigInteger Randao);
}
