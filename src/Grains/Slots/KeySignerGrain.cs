using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Hosting.Grains.Slots;

/// <summary>
/// The signer of last resort on a silo that holds the key: signs through this silo's own duty signer (the gate).
/// If the key turns out not to be unlocked here after all (a stale placement: the key was locked again, or the
/// holder list changed), the activation goes away after answering so the next duty is placed afresh.
/// Reentrant: concurrent duties of one key are the gate's to order, not this grain's.
/// </summary>
[KeyHolderPlacement, Reentrant]
public sealed class KeySignerGrain(LocalDutySigner local, ILocalSiloDetails silo, ILogger<KeySignerGrain> logger) : Grain, IKeySignerGrain
{
    public async Task<KeySigningResult> SignAsync(KeySigningRequest request)
    {
        var here = silo.SiloAddress.ToParsableString();
        if (request.Sequencer != Address.Parse(this.GetPrimaryKeyString()))
        {
            return new KeySigningResult(null, nameof(ArgumentException), $"this signer is for {this.GetPrimaryKeyString()}, not {request.Sequencer}", here);
        }
        if (!local.CanSign(request.Sequencer))
        {
            DeactivateOnIdle();
        }
        try
        {
            var signature = await local.Signer.SignAsync(new DutyRequest(request.Tenant, request.Sequencer, request.Slot, request.Duty, request.Payload, request.RequestedBy, request.Prover, request.MaxProvers));
            return new KeySigningResult(signature, null, null, here);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning("Signing {Duty} for {Sequencer} at slot {Slot} on this silo failed: {Error}", request.Duty, request.Sequencer, request.Slot, exception.Message);
            return new KeySigningResult(null, exception.GetType().Name, exception.Message, here);
        }
    }
}

/// <summary>
/// This silo's own duty signer (the gate) and whether a key can sign here, as the routing signer and the
/// <see cref="KeySignerGrain"/> see them.
/// </summary>
public sealed class LocalDutySigner(IDutySigner signer, Func<Address, bool> canSign)
{
    public IDutySigner Signer { get; } = signer;

    /// <summary>True when the key signs in this process: unlocked here, or kept by an HSM or vault.</summary>
    public bool CanSign(Address sequencer) => canSign(sequencer);
}

/// <summary>
/// The duty signer slot grains get when the gate is wired: signs here when the key can sign here, and otherwise
/// asks the <see cref="IKeySignerGrain"/> of the key, placed on a silo that holds it unlocked.
/// </summary>
public sealed class KeyRoutingDutySigner(LocalDutySigner local, IGrainFactory grains) : IDutySigner
{
    public async Task<Signature> SignAsync(DutyRequest request, CancellationToken cancellationToken = default)
    {
        if (local.CanSign(request.Sequencer))
        {
            return await local.Signer.SignAsync(request, cancellationToken);
        }
        var result = await grains.GetGrain<IKeySignerGrain>(request.Sequencer.ToString())
            .SignAsync(new KeySigningRequest(request.Tenant, request.Sequencer, request.Slot, request.Duty, request.Payload, request.RequestedBy, request.Prover, request.MaxProvers))
            .WaitAsync(cancellationToken);
        return result.Signature ?? throw new DutySigningFailedException(request, result);
    }
}

/// <summary>The silo that holds the key could not sign the duty; the message is that silo's error.</summary>
public sealed class DutySigningFailedException(DutyRequest request, KeySigningResult result)
    : InvalidOperationException($"Signing {request.Duty} for {request.Sequencer} at slot {request.Slot} on silo {result.Silo} failed: {result.ErrorType}: {result.Error}")
{
    /// <summary>The silo that tried.</summary>
    public string Silo { get; } = result.Silo;

    /// <summary>The type name of the error there (for example SigningRefusedException, KeystoreException).</summary>
    public string? ErrorType { get; } = result.ErrorType;
}
