using System.Collections.Concurrent;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;

namespace Hosting.Signing.Keystore;

/// <summary>One keystore to decrypt, with the password that opens it.</summary>
public sealed record KeystoreInput(string Json, string Password)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"KeystoreInput({Json.Length} characters of JSON)";
}

/// <summary>What became of one <see cref="KeystoreInput"/>: its address, or the error that names what was wrong.</summary>
public sealed record KeystoreUnlock(int Index, string KeystoreId, Address? Address, KeystoreException? Error);

/// <summary>
/// Keystore keys (Web3 Secret Storage v3) decrypted into memory. Decrypting costs a scrypt run (about a second
/// of one core at geth's standard cost), so a key is unlocked once, when it is registered or when the silo
/// starts, and signs from memory after that. Unlocking many keys runs on dedicated threads, one per core, so
/// it never starves the thread pool the silo's grains run on.
/// </summary>
public sealed class KeystoreBackend : IKeyBackend, IDisposable
{
    private readonly ConcurrentDictionary<Address, PrivateKey> _unlocked = new();
    private readonly ConcurrentDictionary<string, Address> _byId = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public SigningBackend Backend => SigningBackend.Keystore;

    /// <inheritdoc />
    public bool SignsInProcess => true;

    /// <summary>How many keys are unlocked in this process.</summary>
    public int UnlockedCount => _unlocked.Count;

    /// <summary>True when <paramref name="address"/> is unlocked here and can sign.</summary>
    public bool IsUnlocked(Address address) => _unlocked.ContainsKey(address);

    /// <summary>Decrypts one keystore off the calling thread and keeps its key; returns its id and address.</summary>
    public async Task<(string KeystoreId, Address Address)> UnlockAsync(string json, string password, CancellationToken cancellationToken = default)
    {
        var result = (await UnlockManyAsync([new KeystoreInput(json, password)], 1, cancellationToken).ConfigureAwait(false))[0];
        return result.Error is { } error ? throw error : (result.KeystoreId, result.Address!.Value);
    }

    /// <summary>
    /// Decrypts many keystores in parallel on <paramref name="parallelism"/> dedicated threads (every core by
    /// default) and keeps the keys that opened. One bad file or password fails only its own entry.
    /// </summary>
    public async Task<IReadOnlyList<KeystoreUnlock>> UnlockManyAsync(IReadOnlyList<KeystoreInput> inputs, int? parallelism = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var results = new KeystoreUnlock[inputs.Count];
        var next = -1;
        var threads = Math.Clamp(parallelism ?? Environment.ProcessorCount, 1, Math.Max(1, inputs.Count));
        var remaining = threads;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var t = 0; t < threads; t++)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    int index;
                    while (!cancellationToken.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < inputs.Count)
                    {
                        results[index] = UnlockOne(index, inputs[index]);
                    }
                }
                finally
                {
                    if (Interlocked.Decrement(ref remaining) == 0)
                    {
                        done.TrySetResult();
                    }
                }
            })
            { IsBackground = true, Name = "keystore-unlock" };
            thread.Start();
        }
        await done.Task.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Forgets a key (wiping it from memory); it signs again only after another unlock.</summary>
    public void Lock(Address address)
    {
        if (_unlocked.TryRemove(address, out var key))
        {
            key.Dispose();
        }
    }

    /// <inheritdoc />
    public Task<Address> ResolveAddressAsync(string keyReference, CancellationToken cancellationToken = default) =>
        _byId.TryGetValue(keyReference, out var address) || (Address.TryParse(keyReference, out address) && _unlocked.ContainsKey(address))
            ? Task.FromResult(address)
            : Task.FromException<Address>(new KeystoreException(KeystoreProblem.Locked, $"Keystore '{keyReference}' is not unlocked in this signer; unlock it with its password first."));

    /// <inheritdoc />
    public Task<Signature> SignDigestAsync(SigningKey key, Hash32 digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _unlocked.TryGetValue(key.Address, out var privateKey)
            ? Task.FromResult(Secp256k1.Default.Sign(digest, privateKey))
            : Task.FromException<Signature>(new KeystoreException(KeystoreProblem.Locked,
                $"Keystore key {key.Address} ('{key.KeyReference}') is registered but locked in this signer; unlock it with its password (nothing was signed)."));
    }

    /// <summary>Wipes every unlocked key.</summary>
    public void Dispose()
    {
        foreach (var address in _unlocked.Keys)
        {
            Lock(address);
        }
    }

    private KeystoreUnlock UnlockOne(int index, KeystoreInput input)
    {
        string id = "(unreadable)";
        try
        {
            id = Web3Keystore.Describe(input.Json).Id;
            var key = Web3Keystore.Decrypt(input.Json, input.Password);
            var address = key.Address;
            if (_unlocked.TryAdd(address, key))
            {
                _byId[id] = address;
            }
            else
            {
                key.Dispose();
            }
            return new KeystoreUnlock(index, id, address, null);
        }
        catch (KeystoreException failure)
        {
            return new KeystoreUnlock(index, id, null, failure);
        }
    }
}
