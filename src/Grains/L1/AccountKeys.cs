using System.Collections.Concurrent;
using Hosting.Contracts.Domain;
using Hosting.L1.Signing;

namespace Hosting.Grains.L1;

/// <summary>
/// The accounts this silo can sign for (publishers' and sequencers' keys), by address. Each silo loads the
/// same keys (keystore files, a vault) at start; grains resolve a signer here and never hold key bytes in state.
/// Until the signing project's key store is wired in, the host fills it from configuration or tests.
/// </summary>
public sealed class AccountKeys
{
    private readonly ConcurrentDictionary<Address, IEthSigner> _signers = new();

    public void Add(IEthSigner signer) => _signers[signer.Address] = signer;

    public bool Contains(Address account) => _signers.ContainsKey(account);

    public IEthSigner? Find(Address account) => _signers.TryGetValue(account, out var signer) ? signer : null;
}
