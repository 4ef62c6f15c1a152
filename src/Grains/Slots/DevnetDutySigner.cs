using Hosting.Contracts.Domain;
using Hosting.Grains.L1;
using Hosting.L1.Crypto;

namespace Hosting.Grains.Slots;

/// <summary>
/// Devnet and tests only: signs with the key store's in-memory keys and keeps no safety record, so it does not
/// stop a second, different proposal for a slot. Production wires <see cref="GatedDutySigner"/> instead.
/// </summary>
public sealed class DevnetDutySigner(AccountKeys keys) : IDutySigner
{
    public async Task<Signature> SignAsync(DutyRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = DutySpans.Start(request, "devnet");
        var signer = keys.Find(request.Sequencer)
            ?? throw new InvalidOperationException($"The key store holds no key for sequencer {request.Sequencer}; cannot sign its {request.Duty} for slot {request.Slot}.");
        return await signer.SignDigestAsync(Keccak256.Hash(request.Payload), cancellationToken);
    }
}
