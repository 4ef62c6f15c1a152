using System.Security.Cryptography;
using Hosting.Contracts.Tenants;

namespace Hosting.Grains.Tenants;

public sealed class TenantAccessGrain(
    [PersistentState("tenant-access", GrainStorage.Name)] IPersistentState<TenantAccessState> state,
    TimeProvider clock) : Grain, ITenantAccessGrain
{
    public async Task<TenantToken> IssueAsync(string label, byte[] secretHash)
    {
        if (secretHash is not { Length: 32 })
        {
            throw new ArgumentException($"A token secret hash is 32 bytes (SHA-256), got {secretHash?.Length ?? 0}.", nameof(secretHash));
        }
        var token = new StoredToken(
            new TenantToken(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), label.Trim(), clock.GetUtcNow(), null),
            secretHash);
        state.State = state.State with { Tokens = [.. state.State.Tokens, token] };
        await state.WriteStateAsync();
        return token.Token;
    }

    public Task<TenantToken?> AuthenticateAsync(byte[] secretHash) =>
        Task.FromResult(state.State.Tokens
            .FirstOrDefault(t => t.Token.RevokedAt is null && CryptographicOperations.FixedTimeEquals(t.SecretHash, secretHash))?.Token);

    public Task<IReadOnlyList<TenantToken>> ListAsync() =>
        Task.FromResult<IReadOnlyList<TenantToken>>([.. state.State.Tokens.Select(t => t.Token)]);

    public async Task<bool> RevokeAsync(string tokenId)
    {
        var index = state.State.Tokens.FindIndex(t => t.Token.Id == tokenId);
        if (index < 0)
        {
            return false;
        }
        if (state.State.Tokens[index].Token.RevokedAt is null)
        {
            var tokens = state.State.Tokens.ToList();
            tokens[index] = tokens[index] with { Token = tokens[index].Token with { RevokedAt = clock.GetUtcNow() } };
            state.State = state.State with { Tokens = tokens };
            await state.WriteStateAsync();
        }
        return true;
    }
}

[GenerateSerializer, Alias("hosting.tenant-access-state.v1")]
public sealed record TenantAccessState
{
    [Id(0)] public List<StoredToken> Tokens { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("hosting.stored-token.v1")]
public sealed record StoredToken([property: Id(0)] TenantToken Token, [property: Id(1)] byte[] SecretHash);
