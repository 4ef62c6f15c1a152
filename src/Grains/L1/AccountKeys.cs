using System.Collections.Concurrent;
using Hosting.Contracts.Domain;
using Hosting.L1.Signing;

namespace Hosting.Grains.L1;

/// <summary>
/// The accounts this silo can sign for, by address. Two kinds: L1 signers (publishers' and withdrawers' keys,
/// filled from configuration or tests) that sign transactions through <see cref="Find"/>, and sequencer keys
/// held by key custody (imported through the portal's key API, HSM and vault keys), which sign their duties
/// only through the signing-safety gate and are listed here by tenant so grains know the platform hosts them.
/// Grains never hold key bytes in state.
/// </summary>
public sealed class AccountKeys
{
    private readonly ConcurrentDictionary<Address, IEthSigner> _signers = new();
    private readonly ConcurrentDictionary<Address, string> _custody = new();

    public void Add(IEthSigner signer) => _signers[signer.Address] = signer;

    /// <summary>Whether an L1 signer for <paramref name="account"/> is loaded (it can send transactions).</summary>
    public bool Contains(Address account) => _signers.ContainsKey(account);

    public IEthSigner? Find(Address account) => _signers.TryGetValue(account, out var signer) ? signer : null;

    /// <summary>Records that key custody holds <paramref name="sequencer"/>'s key for <paramref name="tenant"/>.</summary>
    public void HoldInCustody(Address sequencer, string tenant) => _custody[sequencer] = tenant;

    /// <summary>Forgets a custody key (deleted, or moved away); its history stays in the safety database.</summary>
    public void ReleaseFromCustody(Address sequencer) => _custody.TryRemove(sequencer, out _);

    /// <summary>The sequencer keys key custody holds, with their tenants.</summary>
    public IReadOnlyDictionary<Address, string> InCustody => _custody;

    /// <summary>Whether this deployment holds <paramref name="sequencer"/>'s key: loaded as a signer or held by key custody.</summary>
    public bool HostsSequencer(Address sequencer) => _signers.ContainsKey(sequencer) || _custody.ContainsKey(sequencer);
}
