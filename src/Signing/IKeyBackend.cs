using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// Where sequencer keys live: keystore files held in memory, a PKCS#11 HSM or Azure Key Vault. Only the
/// <see cref="ISigningGate"/> calls <see cref="SignDigestAsync"/> (see <see cref="SignsInProcess"/> for when);
/// a backend never decides whether signing is safe.
/// </summary>
public interface IKeyBackend
{
    /// <summary>Which backend this is; the gate routes each <see cref="SigningKey"/> to the backend it names.</summary>
    SigningBackend Backend { get; }

    /// <summary>
    /// True when keys sign in this process's memory (keystores): the gate may sign such a request before the
    /// safety check and send record and check in one round trip, dropping the signature unless the record
    /// commits, so it never leaves the process. Keys in an HSM or a vault sign only after the check, under the lock.
    /// </summary>
    bool SignsInProcess => false;

    /// <summary>The address of the key <paramref name="keyReference"/> names, read from the backend (its public key).</summary>
    /// <exception cref="KeyBackendException">The key is not there or the backend cannot be reached.</exception>
    Task<Address> ResolveAddressAsync(string keyReference, CancellationToken cancellationToken = default);

    /// <summary>
    /// Signs a 32-byte digest with <paramref name="key"/>; the result is a canonical Ethereum signature (low s,
    /// parity 0 or 1) that recovers to <see cref="SigningKey.Address"/>. Guaranteeing the signer is the backend's
    /// job (the gate checks only canonical form): a backend whose key is not that address must throw.
    /// </summary>
    /// <exception cref="KeyBackendException">The key is missing or locked, or the backend failed or refused.</exception>
    Task<Signature> SignDigestAsync(SigningKey key, Hash32 digest, CancellationToken cancellationToken = default);

    /// <summary>True when this backend can make a key inside itself (<see cref="GenerateKeyAsync"/>): an HSM can, a keystore cannot.</summary>
    bool GeneratesKeys => false;

    /// <summary>
    /// Makes a new secp256k1 key labelled <paramref name="label"/> (its name in the backend) inside the backend, where it stays (never extractable),
    /// and returns the reference to register and its address.
    /// </summary>
    /// <exception cref="KeyBackendException">The backend cannot be reached, or already holds a key of that name.</exception>
    Task<(string KeyReference, Address Address)> GenerateKeyAsync(string label, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"The {Backend} backend does not generate keys.");

    /// <summary>
    /// Destroys a key this backend generated: one whose registration failed, or one key custody deleted
    /// (<see cref="KeyCustody.DestroyDeletedKeyAsync"/>). Keys registered by reference are never passed here.
    /// Returns what was done, in words for the audit trail and the operator (a vault may keep it recoverable).
    /// </summary>
    Task<string> DestroyGeneratedKeyAsync(string keyReference, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"The {Backend} backend does not generate keys.");
}
