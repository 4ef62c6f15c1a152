using Hosting.Contracts.Domain;
using Hosting.Grains.L1;
using Hosting.L1.Signing;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// anvil's public dev keys (mnemonic "test test … junk"; test-only, they hold devnet ether and, after the
/// deploy script, staking tokens) and the shared key store the in-process silos read.
/// </summary>
public static class DevAccounts
{
    private static readonly string[] Keys =
    [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    ];

    /// <summary>One key store for every silo of the test process: what a vault shared by all silos is in production.</summary>
    public static AccountKeys Store { get; } = CreateStore();

    public static Address Account(int index) => LocalKeySigner.FromHex(Keys[index]).Address;

    /// <summary>The dev key of <paramref name="index"/>, for a process the test starts (a prover agent's PROVER_DEV_KEY).</summary>
    public static string PrivateKeyHex(int index) => Keys[index];

    /// <summary>A fresh sequencer key, added to the store (as a tenant's key import would).</summary>
    public static Address NewSequencer()
    {
        var signer = new LocalKeySigner(Hosting.L1.Crypto.PrivateKey.Generate());
        Store.Add(signer);
        return signer.Address;
    }

    private static AccountKeys CreateStore()
    {
        var store = new AccountKeys();
        foreach (var key in Keys)
        {
            store.Add(LocalKeySigner.FromHex(key));
        }
        return store;
    }
}
