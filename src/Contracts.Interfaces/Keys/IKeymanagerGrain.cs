using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Keys;

/// <summary>
/// The Ethereum Keymanager API's work (/eth/v1/keystores, /eth/v1/remotekeys), and adding and removing publisher
/// accounts (/api/v1/tenants/{id}/publishers), done in the key custody of a silo, for a portal that has none (the
/// standalone portal). Keyed <see cref="Key"/>; placement puts it on a live silo that lists
/// key custody, so an imported keystore is decrypted and held unlocked there. On a silo without custody (none has
/// it) it answers <see cref="KeymanagerFailure.NoCustody"/>. The caller has already checked the token and the tenant.
/// </summary>
[Alias("hosting.keymanager")]
public interface IKeymanagerGrain : IGrainWithStringKey
{
    /// <summary>The one key: the backend name under which silos list their custody in <c>key_backends</c>.</summary>
    public const string Key = "keystore";

    /// <summary>The tenant's live sequencer keys: keystore keys, or (<paramref name="remote"/>) HSM and vault keys.</summary>
    [Alias("list")]
    Task<KeymanagerAnswer> ListAsync(string tenant, bool remote);

    /// <summary>Imports keystores (and first their slashing-protection interchange); one status per keystore, in order.</summary>
    [Alias("import-keystores")]
    Task<KeymanagerAnswer> ImportKeystoresAsync(string tenant, KeystoreUpload upload, string requestedBy);

    /// <summary>Registers HSM or vault keys by reference; one status per key, in order.</summary>
    [Alias("import-remote")]
    Task<KeymanagerAnswer> ImportRemoteKeysAsync(string tenant, IReadOnlyList<RemoteKeyUpload> keys, string requestedBy);

    /// <summary>Deletes keystore keys, or (<paramref name="remote"/>) remote keys; statuses and the interchange of the named keys.</summary>
    [Alias("delete")]
    Task<KeymanagerAnswer> DeleteAsync(string tenant, bool remote, IReadOnlyList<Address> keys, string requestedBy);

    /// <summary>The tenant's live publisher keys in custody (the publisher accounts added at runtime) and their backends.</summary>
    [Alias("list-publishers")]
    Task<PublisherKeyAnswer> ListPublishersAsync(string tenant);

    /// <summary>Adds a publisher account: decrypts the keystore (or generates the key) here, registers it with purpose publisher, attaches it.</summary>
    [Alias("add-publisher")]
    Task<PublisherKeyAnswer> AddPublisherAsync(string tenant, NewPublisherKey key, string requestedBy);

    /// <summary>Removes a publisher account added at runtime: detaches it (refused while it has transactions pending), deletes its key, destroys a generated one in its backend.</summary>
    [Alias("remove-publisher")]
    Task<PublisherKeyAnswer> RemovePublisherAsync(string tenant, Address address, string requestedBy);
}

/// <summary>
/// Keystore passwords on their way to the silo that decrypts them. Never stored; <see cref="ToString"/> says only how
/// many there are, so a log line or an exception that prints the request (Orleans' own included) does not carry them.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.keystore-passwords")]
public sealed class KeystorePasswords(IReadOnlyList<string> values)
{
    [Id(0)]
    public IReadOnlyList<string> Values { get; } = values;

    public override string ToString() => $"{Values?.Count ?? 0} keystore password(s), redacted";
}

/// <summary>Keystores (Web3 Secret Storage v3 JSON), one password each, and an optional interchange file to import first.</summary>
[GenerateSerializer, Immutable, Alias("hosting.keystore-upload")]
public sealed record KeystoreUpload(
    [property: Id(0)] IReadOnlyList<string> Keystores,
    [property: Id(1)] KeystorePasswords Passwords,
    [property: Id(2)] string? SlashingProtection)
{
    // A record prints its members; the keystores' ciphertext is not secret but is long, the passwords are.
    public override string ToString() => $"KeystoreUpload({Keystores?.Count ?? 0} keystores, {Passwords}, interchange: {SlashingProtection is not null})";
}

/// <summary>A remote key to register: the address it must have and its pkcs11: URI or Key Vault key URL.</summary>
[GenerateSerializer, Immutable, Alias("hosting.remote-key-upload")]
public sealed record RemoteKeyUpload([property: Id(0)] Address Pubkey, [property: Id(1)] string Url);

/// <summary>Why a Keymanager call was not done, as the portal answers it.</summary>
[GenerateSerializer, Alias("hosting.keymanager-failure")]
public enum KeymanagerFailure
{
    /// <summary>It was done: see the statuses or keys.</summary>
    None,
    /// <summary>A request field was refused (<see cref="KeymanagerAnswer.Field"/>); nothing was changed.</summary>
    Invalid,
    /// <summary>The silo that answered (and so, by placement, every live silo) has no key custody.</summary>
    NoCustody,
}

/// <summary>One key in a list: its address and, for a remote key, its reference (empty for a keystore).</summary>
[GenerateSerializer, Immutable, Alias("hosting.keymanager-key")]
public sealed record KeymanagerKey([property: Id(0)] string Pubkey, [property: Id(1)] string Url);

/// <summary>One key's outcome: imported, duplicate, deleted, not_active, not_found or error, with a message.</summary>
[GenerateSerializer, Immutable, Alias("hosting.keymanager-status")]
public sealed record KeymanagerStatus([property: Id(0)] string Status, [property: Id(1)] string Message);

/// <summary>What a Keymanager call did: keys listed, or statuses (and for a delete the interchange), or why not.</summary>
[GenerateSerializer, Immutable, Alias("hosting.keymanager-answer")]
public sealed record KeymanagerAnswer(
    [property: Id(0)] KeymanagerFailure Failure,
    [property: Id(1)] string? Field,
    [property: Id(2)] string Message,
    [property: Id(3)] IReadOnlyList<KeymanagerKey> Keys,
    [property: Id(4)] IReadOnlyList<KeymanagerStatus> Statuses,
    [property: Id(5)] string? SlashingProtection,
    [property: Id(6)] string Silo)
{
    public static KeymanagerAnswer Listed(IReadOnlyList<KeymanagerKey> keys) => new(KeymanagerFailure.None, null, "", keys, [], null, "");

    public static KeymanagerAnswer Done(IReadOnlyList<KeymanagerStatus> statuses, string? slashingProtection = null) =>
        new(KeymanagerFailure.None, null, "", [], statuses, slashingProtection, "");

    public static KeymanagerAnswer Invalid(string field, string message) => new(KeymanagerFailure.Invalid, field, message, [], [], null, "");
}
