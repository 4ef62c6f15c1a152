using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.L1.Signing;

/// <summary>
/// Signs with a private key held in this process: for tests, benchmarks and the devnet's demo accounts,
/// never for a production sequencer key. Disposing wipes the key.
/// </summary>
public sealed class LocalKeySigner : IEthSigner, IDisposable
{
    private readonly PrivateKey _key;
    private readonly ISecp256k1 _curve;

    /// <summary>Takes ownership of <paramref name="key"/>; signs with <paramref name="curve"/> or the default implementation.</summary>
    public LocalKeySigner(PrivateKey key, ISecp256k1? curve = null)
    {
        _key = key;
        _curve = curve ?? Secp256k1.Default;
        Address = key.Address;
    }

    /// <summary>A signer for a key given as 64 hex digits (with or without 0x).</summary>
    public static LocalKeySigner FromHex(string privateKeyHex) => new(PrivateKey.FromHex(privateKeyHex));

    /// <inheritdoc />
    public Address Address { get; }

    /// <inheritdoc />
    public Task<Signature> SignDigestAsync(Hash32 digest, CancellationToken cancellationToken = default) =>
        Task.FromResult(_curve.Sign(digest, _key));

    /// <summary>Signs synchronously; the in-memory key needs no I/O.</summary>
    public Signature SignDigest(Hash32 digest) => _curve.Sign(digest, _key);

    /// <inheritdoc />
    public override string ToString() => $"LocalKeySigner({Address})";

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
