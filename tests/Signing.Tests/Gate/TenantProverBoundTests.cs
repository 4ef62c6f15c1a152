using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Signing.Tests.Support;

namespace Hosting.Signing.Tests.Gate;

/// <summary>
/// A tenant's own bound on commitment authorisations per slot (its prover policy) travels with the request and is
/// applied in signing_gate_decide; the platform's bound stays the ceiling. And a refusal asked again every block
/// counts up on its first audit line instead of adding one per block.
/// </summary>
public sealed class TenantProverBoundTests : IAsyncLifetime
{
    private static readonly Address A = TestKeys.ProverNumber(0xa);
    private static readonly Address B = TestKeys.ProverNumber(0xb);
    private static readonly Address C = TestKeys.ProverNumber(0xc);

    private readonly SafetyDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task test_tenantBoundOne_secondProverRefusedNamingTheBound_otherTenantWithTwo_getsBoth()
    {
        await using var scope = new GateScope(_database, maxProvers: 4);
        var strict = await scope.RegisterKeystoreAsync("strict");
        var relaxed = await scope.RegisterKeystoreAsync("relaxed");

        await scope.AuthoriseAsync("strict", strict, 40, A, tenantBound: 1);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("strict", strict, 40, B, tenantBound: 1));
        await scope.AuthoriseAsync("relaxed", relaxed, 40, A, tenantBound: 2);
        await scope.AuthoriseAsync("relaxed", relaxed, 40, B, tenantBound: 2);
        var third = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("relaxed", relaxed, 40, C, tenantBound: 2));

        Assert.Equal(SigningRefusal.ProverLimitReached, refused.Refusal);
        Assert.Contains("the most one sequencer signs per slot is 1 (tenant strict's prover policy; the platform's ceiling is 4)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties where sequencer = $1", strict.ToArray()));
        Assert.Equal(2, await _database.CountAsync("select count(*) from signed_duties where sequencer = $1", relaxed.ToArray()));
        Assert.Equal(SigningRefusal.ProverLimitReached, third.Refusal);
        var audit = await scope.Custody.ReadAuditAsync(strict);
        var line = Assert.Single(audit, l => l.Entry.Outcome == "refused");
        Assert.Equal("prover_limit_reached", line.Entry.Reason);
        Assert.Contains("is 1 (tenant strict's prover policy", line.Entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_tenantBoundAbovePlatform_platformCeilingApplies()
    {
        await using var scope = new GateScope(_database, maxProvers: 2);
        var key = await scope.RegisterKeystoreAsync("greedy");

        await scope.AuthoriseAsync("greedy", key, 41, A, tenantBound: 10);
        await scope.AuthoriseAsync("greedy", key, 41, B, tenantBound: 10);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("greedy", key, 41, C, tenantBound: 10));

        Assert.Equal(SigningRefusal.ProverLimitReached, refused.Refusal);
        Assert.Contains("is 2 (the platform's bound)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_tenantBoundZero_malformedRequest_nothingSigned()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => scope.AuthoriseAsync("acme", key, 42, A, tenantBound: 0));

        Assert.True(refused.Message.Contains("bound on commitment authorisations per slot is 0", StringComparison.Ordinal), refused.ToString());
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_sameRefusalEveryBlock_countsUpOnItsFirstAuditLine_grantsAndFirstRefusalsStillWritten()
    {
        await using var scope = new GateScope(_database, maxProvers: 1);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.AuthoriseAsync("acme", key, 50, A);

        // The pipeline asks for fallback prover B every block while the phase lasts: refused each time.
        for (var block = 0; block < 5; block++)
        {
            await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("acme", key, 50, B));
        }
        // A different refusal (prover C), another slot, and a conflicting proposal each get a line of their own.
        await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("acme", key, 50, C));
        await scope.AuthoriseAsync("acme", key, 51, B);
        await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("acme", key, 51, C));
        await scope.SignAsync("acme", key, 52, 1);
        await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 52, 2));
        await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 52, 3));

        var lines = (await scope.Custody.ReadAuditAsync(key)).Where(l => l.Entry.Action == "sign").ToList();
        Assert.Equal(3, lines.Count(l => l.Entry.Outcome == "granted"));
        var refusals = lines.Where(l => l.Entry.Outcome == "refused").OrderBy(l => l.Id).ToList();
        Assert.Equal(
            [(50UL, "prover_limit_reached", 5), (50UL, "prover_limit_reached", 1), (51UL, "prover_limit_reached", 1), (52UL, "conflicting_payload", 2)],
            refusals.Select(l => (l.Entry.Slot!.Value, l.Entry.Reason!, l.Repeats)).ToList());
        Assert.NotNull(refusals[0].LastSeenAt);
        Assert.True(refusals[0].LastSeenAt > refusals[0].At);
        Assert.Null(refusals[1].LastSeenAt);
    }
}
