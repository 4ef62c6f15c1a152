using System.Net;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Hosting.Silo;
using Hosting.Silo.Database;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// /readyz names "keys" until the silo has loaded the tenants' keys from key custody: here the safety database is
/// not there when the silo starts, then appears holding two keystore keys, one with a password file.
/// </summary>
public sealed class KeysReadinessTests
{
    [Fact]
    public async Task Readiness_names_keys_until_custody_is_loaded_then_the_silo_signs_with_the_keys_it_unlocked()
    {
        var name = $"keys_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = name }.ConnectionString;
        var passwords = Directory.CreateTempSubdirectory("hosting-passwords-");
        var httpPort = FreePort.Next();
        var app = SiloApplication.Build([
            "--Hosting:Mode=Devnet",
            $"--Hosting:SiloPort={FreePort.Next()}",
            $"--Hosting:GatewayPort={FreePort.Next()}",
            $"--Hosting:Postgres:ConnectionString={connectionString}",
            "--Hosting:Postgres:MigrateOnStart=false",
            $"--Hosting:Keys:PasswordDirectory={passwords.FullName}",
            "--Hosting:Keys:ReloadSeconds=1",
            $"--urls=http://127.0.0.1:{httpPort}",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        try
        {
            await app.StartAsync();
            var before = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.Status);
            Assert.Contains("keys", before.Body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            var keys = before.Body.GetProperty("checks").GetProperty("keys");
            Assert.Equal("Unhealthy", keys.GetProperty("status").GetString());
            Assert.Contains("not loaded", keys.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // The database appears with two keys; only the first has a password file.
            await using (var admin = new NpgsqlConnection(PostgresServer.AdminConnectionString))
            {
                await admin.OpenAsync();
                await new NpgsqlCommand($"create database \"{name}\"", admin).ExecuteNonQueryAsync();
            }
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new SchemaMigrator(dataSource).MigrateAsync();
            using var importer = new KeystoreBackend();
            var custody = new KeyCustody(dataSource, [importer]);
            var (json, unlocked) = CustodyKeys.NewKeystore("first password");
            var (otherJson, locked) = CustodyKeys.NewKeystore("second password");
            await File.WriteAllTextAsync(Path.Combine(passwords.FullName, unlocked.ToString()), "first password\n");
            await custody.RegisterKeystoreAsync("acme", json, "first password", "operator@acme");
            await custody.RegisterKeystoreAsync("acme", otherJson, "second password", "operator@acme");

            // Custody reloads every second, so a reload may fall between the two registrations and see only the
            // first key (then "Healthy"); wait for the reload that sees both.
            JsonElement after = default;
            Assert.True(await Eventually.WaitAsync(async () =>
                {
                    after = (await ReadyAsync(http)).Body.GetProperty("checks").GetProperty("keys");
                    return after.GetProperty("status").GetString() != "Unhealthy"
                        && after.GetProperty("detail").GetString()!.Contains("2 tenant keys loaded", StringComparison.Ordinal);
                }, TimeSpan.FromSeconds(30)),
                $"the keys check never reported both keys once the database held them; last: {after}");
            // Loaded, but degraded: the key without a password file stays locked here, and the check names it.
            Assert.Equal("Degraded", after.GetProperty("status").GetString());
            var detail = after.GetProperty("detail").GetString()!;
            Assert.Contains(locked.ToString(), detail, StringComparison.Ordinal);
            Assert.DoesNotContain(unlocked.ToString(), detail, StringComparison.Ordinal);

            // The silo signs a proposal with the key it unlocked from its password file, through the gate.
            var signer = app.Services.GetRequiredService<IDutySigner>();
            var proposal = CustodyKeys.Proposal(7, "archive 6");
            var signature = await signer.SignAsync(new DutyRequest("acme", unlocked, 7, Duty.Proposal, proposal, "slot/7"));
            Assert.Equal(unlocked, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));
            // The locked one is routed to a silo holding it; there is none, so it fails with the keystore's own
            // "locked" error, and nothing is recorded for it.
            var failure = await Assert.ThrowsAsync<DutySigningFailedException>(() =>
                signer.SignAsync(new DutyRequest("acme", locked, 7, Duty.Proposal, proposal, "slot/7")));
            Assert.Equal(nameof(KeystoreException), failure.ErrorType);
            Assert.Contains($"{locked} ('", failure.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("locked in this signer", failure.Message, StringComparison.Ordinal);
            await using var count = dataSource.CreateCommand("select count(*) from signed_duties");
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            passwords.Delete(recursive: true);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
