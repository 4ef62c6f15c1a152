using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;

namespace Hosting.Contracts.Keys;

/// <summary>
/// A publisher account to add through key custody: <see cref="Keystore"/> (Web3 Secret Storage v3 JSON) with its
/// <see cref="Password"/>, or <see cref="Backend"/> (<c>pkcs11</c>, <c>azure_key_vault</c>) with an optional
/// <see cref="Label"/> to generate the key there. The password travels only inside <see cref="KeystorePasswords"/>
/// (one value), whose <c>ToString</c> prints only a count; this record's prints neither.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.new-publisher-key")]
public sealed record NewPublisherKey(
    [property: Id(0)] string? Keystore,
    [property: Id(1)] KeystorePasswords? Password,
    [property: Id(2)] string? Backend,
    [property: Id(3)] string? Label)
{
    /// <summary>The one password, or null when none was sent.</summary>
    public string? PasswordValue => Password?.Values is { Count: > 0 } values ? values[0] : null;

    public override string ToString() => $"NewPublisherKey({(Keystore is null ? $"generate in {Backend}" : $"keystore, {Password}")})";
}

/// <summary>Why adding, removing or listing publisher keys was not done, as the portal answers it.</summary>
[GenerateSerializer, Alias("hosting.publisher-key-failure")]
public enum PublisherKeyFailure
{
    /// <summary>It was done.</summary>
    None,
    /// <summary>A request field was refused (<see cref="PublisherKeyAnswer.Field"/>); nothing was changed (400).</summary>
    Invalid,
    /// <summary>No such tenant, or no such publisher account of the tenant (404).</summary>
    NotFound,
    /// <summary>The account is held or attached elsewhere, or has transactions pending (409).</summary>
    Conflict,
    /// <summary>The named backend is not configured or failed (503).</summary>
    Unavailable,
    /// <summary>The silo that answered (and so, by placement, every live silo) has no key custody (503).</summary>
    NoCustody,
}

/// <summary>A publisher key in custody: its account and where the key lives (<c>keystore</c>, <c>pkcs11</c>, <c>azure_key_vault</c>).</summary>
[GenerateSerializer, Immutable, Alias("hosting.publisher-key-entry")]
public sealed record PublisherKeyEntry([property: Id(0)] Address Address, [property: Id(1)] string Backend);

/// <summary>
/// What a publisher-key call did: the account added (its publisher view and backend), the account removed (its address,
/// backend and what happened to the key in <see cref="Message"/>), the tenant's publisher keys, or why not (failure,
/// field, title, message). <see cref="Silo"/> names the silo whose custody did it, when routed.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.publisher-key-answer")]
public sealed record PublisherKeyAnswer(
    [property: Id(0)] PublisherKeyFailure Failure,
    [property: Id(1)] string? Field,
    [property: Id(2)] string? Title,
    [property: Id(3)] string Message,
    [property: Id(4)] PublisherView? View,
    [property: Id(5)] Address? Address,
    [property: Id(6)] string? Backend,
    [property: Id(7)] IReadOnlyList<PublisherKeyEntry> Keys,
    [property: Id(8)] string Silo)
{
    public static PublisherKeyAnswer Added(PublisherView view, string backend) => new(PublisherKeyFailure.None, null, null, "", view, view.Publisher, backend, [], "");

    public static PublisherKeyAnswer Removed(Address address, string backend, string detail) => new(PublisherKeyFailure.None, null, null, detail, null, address, backend, [], "");

    public static PublisherKeyAnswer Listed(IReadOnlyList<PublisherKeyEntry> keys) => new(PublisherKeyFailure.None, null, null, "", null, null, null, keys, "");

    public static PublisherKeyAnswer Invalid(string field, string message) => new(PublisherKeyFailure.Invalid, field, "Invalid request", message, null, null, null, [], "");

    public static PublisherKeyAnswer Failed(PublisherKeyFailure failure, string title, string? field, string message) => new(failure, field, title, message, null, null, null, [], "");
}
