using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;

namespace Hosting.L1.Contracts;

/// <summary>
/// infra/l1's SequencerRegistry: registration, activation, exits, delegation and rewards. Every call is
/// encoded from the embedded forge ABI, so a renamed or retyped Solidity parameter fails the snapshot
/// test rather than producing wrong calldata.
/// </summary>
public sealed class SequencerRegistryContract(EthereumClient client, Address address)
    : ContractClient(client, address, EmbeddedAbi.Load(ContractName))
{
    /// <summary>The contract's name in infra/l1 and in the embedded ABI.</summary>
    public const string ContractName = "SequencerRegistry";

    /// <summary>register(sequencer, withdrawer, amount): stakes <paramref name="amount"/> of the staking token (approve it first).</summary>
    public Task<Hash32> RegisterAsync(IEthSigner signer, Address sequencer, Address withdrawer, BigInteger amount, CancellationToken cancellationToken = default) =>
        SendAsync(signer, "register", [sequencer, withdrawer, amount], cancellationToken: cancellationToken);

    /// <summary>activate(sequencer): moves a queued sequencer into the active set once its entry period has passed.</summary>
    public Task<Hash32> ActivateAsync(IEthSigner signer, Address sequencer, CancellationToken cancellationToken = default) =>
        SendAsync(signer, "activate", [sequencer], cancellationToken: cancellationToken);

    /// <summary>initiateExit(sequencer), by the withdrawer.</summary>
    public Task<Hash32> InitiateExitAsync(IEthSigner withdrawer, Address sequencer, CancellationToken cancellationToken = default) =>
        SendAsync(withdrawer, "initiateExit", [sequencer], cancellationToken: cancellationToken);

    /// <summary>finalizeExit(sequencer), after the exit delay.</summary>
    public Task<Hash32> FinalizeExitAsync(IEthSigner withdrawer, Address sequencer, CancellationToken cancellationToken = default) =>
        SendAsync(withdrawer, "finalizeExit", [sequencer], cancellationToken: cancellationToken);

    /// <summary>delegate(sequencer, amount).</summary>
    public Task<Hash32> DelegateAsync(IEthSigner delegator, Address sequencer, BigInteger amount, CancellationToken cancellationToken = default) =>
        SendAsync(delegator, "delegate", [sequencer, amount], cancellationToken: cancellationToken);

    /// <summary>undelegate(sequencer, amount).</summary>
    public Task<Hash32> UndelegateAsync(IEthSigner delegator, Address sequencer, BigInteger amount, CancellationToken cancellationToken = default) =>
        SendAsync(delegator, "undelegate", [sequencer, amount], cancellationToken: cancellationToken);

    /// <summary>withdrawUndelegated().</summary>
    public Task<Hash32> WithdrawUndelegatedAsync(IEthSigner delegator, CancellationToken cancellationToken = default) =>
        SendAsync(delegator, "withdrawUndelegated", [], cancellationToken: cancellationToken);

    /// <summary>claimRewards(sequencer).</summary>
    public Task<Hash32> ClaimRewardsAsync(IEthSigner claimant, Address sequencer, CancellationToken cancellationToken = default) =>
        SendAsync(claimant, "claimRewards", [sequencer], cancellationToken: cancellationToken);

    /// <summary>setCommission(sequencer, bps), by the withdrawer.</summary>
    public Task<Hash32> SetCommissionAsync(IEthSigner withdrawer, Address sequencer, ushort bps, CancellationToken cancellationToken = default) =>
        SendAsync(withdrawer, "setCommission", [sequencer, bps], cancellationToken: cancellationToken);

    /// <summary>statusOf(sequencer).</summary>
    public Task<SequencerStatus> StatusOfAsync(Address sequencer) => CallAsync<SequencerStatus>("statusOf", sequencer);

    /// <summary>sequencerOf(sequencer): the whole on-chain record.</summary>
    public Task<SequencerInfo> SequencerOfAsync(Address sequencer) => CallAsync<SequencerInfo>("sequencerOf", sequencer);

    /// <summary>isEligible(sequencer): active with enough stake to be elected.</summary>
    public Task<bool> IsEligibleAsync(Address sequencer) => CallAsync<bool>("isEligible", sequencer);

    /// <summary>activeCount().</summary>
    public Task<BigInteger> ActiveCountAsync() => CallAsync<BigInteger>("activeCount");

    /// <summary>positionOf(delegator, sequencer): the delegator's stake with that sequencer.</summary>
    public Task<BigInteger> PositionOfAsync(Address delegator, Address sequencer) => CallAsync<BigInteger>("positionOf", delegator, sequencer);

    /// <summary>pendingWithdrawals(delegator).</summary>
    public Task<IReadOnlyList<Withdrawal>> PendingWithdrawalsAsync(Address delegator) => CallAsync<IReadOnlyList<Withdrawal>>("pendingWithdrawals", delegator);

    /// <summary>pendingRewards(claimant, sequencer).</summary>
    public Task<BigInteger> PendingRewardsAsync(Address claimant, Address sequencer) => CallAsync<BigInteger>("pendingRewards", claimant, sequencer);

    /// <summary>config(): the registry's parameters.</summary>
    public Task<RegistryConfig> ConfigAsync() => CallAsync<RegistryConfig>("config");

    /// <summary>stakingToken().</summary>
    public Task<Address> StakingTokenAsync() => CallAsync<Address>("stakingToken");

    /// <summary>The log as one of the registry's event records, or null when it is not one of them.</summary>
    public object? DecodeEvent(Log log) => TryDecode(log) is { } decoded
        ? decoded.Name switch
        {
            "SequencerRegistered" => decoded.ToRecord<SequencerRegistered>(),
            "SequencerActivated" => decoded.ToRecord<SequencerActivated>(),
            "ExitInitiated" => decoded.ToRecord<ExitInitiated>(),
            "ExitFinalized" => decoded.ToRecord<ExitFinalized>(),
            "Delegated" => decoded.ToRecord<Delegated>(),
            "Undelegated" => decoded.ToRecord<Undelegated>(),
            "UndelegatedWithdrawn" => decoded.ToRecord<UndelegatedWithdrawn>(),
            "RewardsClaimed" => decoded.ToRecord<RewardsClaimed>(),
            "RewardCredited" => decoded.ToRecord<RewardCredited>(),
            "CommissionChanged" => decoded.ToRecord<CommissionChanged>(),
            "RollupBound" => decoded.ToRecord<RollupBound>(),
            _ => decoded,
        }
        : null;

    /// <summary>The struct SequencerInfo.</summary>
    public sealed record SequencerInfo(SequencerStatus Status, Address Withdrawer, BigInteger OwnStake, BigInteger DelegatedStake, BigInteger RegisteredAt, BigInteger ActiveFrom, BigInteger ExitInitiatedAt, BigInteger ExitableAt, ushort CommissionBps, bool Eligible);

    /// <summary>The struct Withdrawal.</summary>
    public sealed record Withdrawal(Address Sequencer, BigInteger Amount, BigInteger UnlockBlock);

    /// <summary>The struct RegistryConfig (also the constructor's second argument).</summary>
    public sealed record RegistryConfig(BigInteger MinStake, BigInteger EntryPeriod, BigInteger ExitDelay, BigInteger MaxCommissionBps)
    {
        /// <summary>The ABI tuple form, for deployment.</summary>
        public object?[] ToAbi() => [MinStake, EntryPeriod, ExitDelay, MaxCommissionBps];
    }

    /// <summary>Event SequencerRegistered.</summary>
    public sealed record SequencerRegistered(Address Sequencer, Address Withdrawer, BigInteger Amount, BigInteger ActiveFrom);

    /// <summary>Event SequencerActivated.</summary>
    public sealed record SequencerActivated(Address Sequencer, BigInteger ActiveFrom);

    /// <summary>Event ExitInitiated.</summary>
    public sealed record ExitInitiated(Address Sequencer, Address Withdrawer, BigInteger ExitableAt);

    /// <summary>Event ExitFinalized.</summary>
    public sealed record ExitFinalized(Address Sequencer, Address Withdrawer, BigInteger Amount);

    /// <summary>Event Delegated.</summary>
    public sealed record Delegated(Address Delegator, Address Sequencer, BigInteger Amount);

    /// <summary>Event Undelegated.</summary>
    public sealed record Undelegated(Address Delegator, Address Sequencer, BigInteger Amount, BigInteger UnlockBlock);

    /// <summary>Event UndelegatedWithdrawn.</summary>
    public sealed record UndelegatedWithdrawn(Address Delegator, BigInteger Amount);

    /// <summary>Event RewardsClaimed.</summary>
    public sealed record RewardsClaimed(Address Claimant, Address Sequencer, BigInteger Amount);

    /// <summary>Event RewardCredited.</summary>
    public sealed record RewardCredited(Address Sequencer, BigInteger Amount, BigInteger Commission);

    /// <summary>Event CommissionChanged.</summary>
    public sealed record CommissionChanged(Address Sequencer, ushort PreviousBps, ushort Bps);

    /// <summary>Event RollupBound.</summary>
    public sealed record RollupBound(Address Rollup);
}
