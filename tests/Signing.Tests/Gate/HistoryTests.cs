using System.Text.Json.Nodes;
using Hosting.Signing.Tests.Support;

namespace Hosting.Signing.Tests.Gate;

public sealed class HistoryTests : IAsyncLifetime
{
    private readonly SafetyDatabase _source = new();
    private readonly SafetyDatabase _target = new();

    public async Task InitializeAsync()
    {
        await _source.InitializeAsync();
        await _target.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
    }

    [Fact]
    public async Task test_deleteKey_stopsFirst_exportsAndKeepsHistory()
    {
        await using var scope = new GateScope(_source);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.SignAsync("acme", key, 1, 1);
        await scope.SignAsync("acme", key, 2, 1, Contracts.Telemetry.Duty.CommitmentAuthorisation);

        var export = await scope.Custody.DeleteKeyAsync("acme", key, "operator");

        var file = JsonNode.Parse(export)!;
        Assert.Equal(DutyInterchange.FormatName, (string)file["metadata"]!["interchange_format"]!);
        Assert.Equal(2, file["data"]![0]!["signed_duties"]!.AsArray().Count);
        Assert.Equal("1", (string)file["data"]![0]!["signed_duties"]![0]!["slot"]!);
        Assert.Equal(2, (await scope.Custody.HistoryAsync(key)).Count);
        Assert.Equal(KeyStatus.Deleted, (await scope.Custody.FindKeyAsync(key))!.Status);
        Assert.Equal(0, await _source.CountAsync("select count(*) from signing_keys where keystore is not null"));
        Assert.Equal(SigningRefusal.KeyDeleted, (await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 3, 1))).Refusal);
        var actions = (await scope.Custody.ReadAuditAsync(key)).Select(a => a.Entry.Action).Reverse().ToList();
        Assert.True(actions.IndexOf("stop_key") < actions.IndexOf("delete_key"), string.Join(", ", actions));
    }

    [Fact]
    public async Task test_import_elsewhere_repeatsAndRefusesConflicts()
    {
        await using var source = new GateScope(_source, "old-provider");
        var (json, key) = TestKeys.NewKeystore("pw");
        await source.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        var first = await source.SignAsync("acme", key, 10, 1);
        await source.SignAsync("acme", key, 11, 1);
        await source.Custody.RaiseLowWatermarkAsync("acme", key, 11, "test");
        var export = await source.Custody.ExportHistoryAsync([key]);

        await using var target = new GateScope(_target, "new-provider");
        await target.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        await target.SignAsync("acme", key, 12, 5); // signed here before the history arrived
        var imported = await target.Custody.ImportHistoryAsync(export, "migration");
        var again = await target.Custody.ImportHistoryAsync(export, "migration");

        Assert.Equal(2, imported.Added);
        Assert.Empty(imported.Conflicts);
        Assert.Equal(0, again.Added);
        Assert.Equal(2, again.AlreadyPresent);
        var repeated = await target.SignAsync("acme", key, 10, 1);
        Assert.True(repeated.Repeated);
        Assert.Equal(first.Signature, repeated.Signature);
        Assert.Equal("old-provider", repeated.SignerNode);
        Assert.Equal(SigningRefusal.ConflictingPayload, (await Assert.ThrowsAsync<SigningRefusedException>(() => target.SignAsync("acme", key, 11, 2))).Refusal);
        Assert.Equal(11UL, (await target.Custody.FindKeyAsync(key))!.LowWatermark);

        // A file that disagrees with what the target signed is kept out and reported, naming both hashes.
        await target.SignAsync("acme", key, 20, 1);
        await source.SignAsync("acme", key, 20, 2);
        var conflicting = await target.Custody.ImportHistoryAsync(await source.Custody.ExportHistoryAsync([key]), "migration");
        var conflict = Assert.Single(conflicting.Conflicts);
        Assert.Contains("slot 20", conflict, StringComparison.Ordinal);
        Assert.Contains(SigningPayload.Digest(TestKeys.Payload(2, 20)).ToString(), conflict, StringComparison.Ordinal);
        Assert.Equal(SigningPayload.Digest(TestKeys.Payload(1, 20)), (await target.Custody.HistoryAsync(key)).Single(r => r.Slot == 20).PayloadHash);
    }

    [Fact]
    public async Task test_import_tamperedRecord_rejectedWhole()
    {
        await using var scope = new GateScope(_source);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.SignAsync("acme", key, 1, 1);
        var file = JsonNode.Parse(await scope.Custody.ExportHistoryAsync([key]))!;
        file["data"]![0]!["signed_duties"]![0]!["slot"] = "2";
        var tamperedSignature = JsonNode.Parse(file.ToJsonString())!;
        tamperedSignature["data"]![0]!["signed_duties"]![0]!["payload"] = "0x1901" + new string('a', 128);

        await using var target = new GateScope(_target);
        var failure = await Assert.ThrowsAsync<FormatException>(() => target.Custody.ImportHistoryAsync(tamperedSignature.ToJsonString(), "migration"));

        Assert.Contains("payload_hash", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, await _target.CountAsync("select count(*) from signed_duties"));
    }
}
