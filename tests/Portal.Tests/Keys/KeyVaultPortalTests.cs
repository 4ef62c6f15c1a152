using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Portal.Tests.Observability;
using Hosting.Signing;
using Hosting.Signing.AzureKeyVault;
using Hosting.TestKit;
using Hosting.TestKit.AzureKeyVault;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests.Keys;

/// <summary>What the portal's key API and the gate do with vault keys, shared by the vault test classes.</summary>
internal static class VaultKeys
{
    public static async Task<(Address Address, string Url, string Name)> GenerateAsync(DevnetSiloWithKeyVault silo, HttpClient client, string tenant, string label)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "azure_key_vault", label });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"generation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var key = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("azure_key_vault", key.GetProperty("backend").GetString());
        // The vault names the key after the tenant and the label ('.' is not allowed in a vault name).
        var name = $"{tenant}-{label}";
        var url = key.GetProperty("url").GetString()!;
        Assert.StartsWith(new Uri(silo.Vault.Uri, $"keys/{name}/").AbsoluteUri, url, StringComparison.Ordinal);
        return (Address.Parse(key.GetProperty("address").GetString()!), url, name);
    }

    public static async Task<(string Pubkey, string Url)[]> RemoteKeysAsync(HttpClient client, string query = "") =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys" + query)).GetProperty("data").EnumerateArray()
            .Select(e => (e.GetProperty("pubkey").GetString()!, e.GetProperty("url").GetString()!))];

    public static async Task<JsonElement> DeleteAsync(HttpClient client, params string[] pubkeys)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/eth/v1/remotekeys") { Content = JsonContent.Create(new { pubkeys }) };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static byte[] Proposal(string tenant, ulong slot) =>
        SigningPayload.Eip712(Hash32.Parse("0x" + new string('a', 64)), Keccak256.Hash($"{tenant} proposal at slot {slot}"));

    /// <summary>A proposal signed as the slot grain signs it: through the silo's gate.</summary>
    public static Task<SignedDuty> SignAsync(DevnetSilo silo, string tenant, Address address, ulong slot) =>
        silo.Services.GetRequiredService<ISigningGate>().SignAsync(new SigningRequest(tenant, address, slot, Duty.Proposal, Proposal(tenant, slot), "vault-portal-test"));

    public static int SignCalls(FakeKeyVault vault, string name) =>
        vault.Requests.Count(line => line.StartsWith($"POST /keys/{name}/", StringComparison.Ordinal) && line.Contains("/sign ", StringComparison.Ordinal));
}

/// <summary>
/// The Key Vault backend end to end through the portal, as an operator uses it: a silo configured with
/// <c>Hosting:Keys:KeyVault:*</c> against the local fake vault (its REST contract: create, get, sign, soft delete).
/// Keys are generated with POST /api/v1/tenants/{id}/keys, listed and deleted with the Keymanager API, and sign
/// through the signing gate as the slot grains do.
/// </summary>
public sealed class KeyVaultPortalTests(DevnetSiloWithKeyVault silo) : IClassFixture<DevnetSiloWithKeyVault>
{
    [Fact]
    public async Task a_key_generated_in_the_vault_is_listed_for_its_tenant_and_another_tenant_can_neither_see_nor_delete_it()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var (intruder, intruderToken) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        using var intruderClient = silo.WithToken(intruderToken);

        var (address, url, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "seq-1");

        // Made in the vault as an HSM key, by the silo's credential for the vault's resource.
        Assert.Contains((name, "EC-HSM"), silo.Vault.Created);
        Assert.True(silo.Vault.Holds(name));
        Assert.Contains(silo.Credential.Requests, r => r.Scopes.Single() == $"https://{silo.Vault.Uri.Host}/.default");
        Assert.Equal(new[] { (address.ToString(), url) }, await VaultKeys.RemoteKeysAsync(client));
        var sequencer = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers/{address}");
        Assert.Equal(tenant, sequencer.GetProperty("tenant").GetString());

        // Another tenant: not in its list, not readable by naming the owner, and its delete finds nothing.
        Assert.Empty(await VaultKeys.RemoteKeysAsync(intruderClient));
        Assert.Equal(HttpStatusCode.Forbidden, (await intruderClient.GetAsync($"/eth/v1/remotekeys?tenant={tenant}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await intruderClient.GetAsync($"/api/v1/tenants/{intruder}/sequencers/{address}")).StatusCode);
        var refused = await VaultKeys.DeleteAsync(intruderClient, address.ToString());
        Assert.Equal("not_found", Assert.Single(refused.GetProperty("data").EnumerateArray()).GetProperty("status").GetString());
        Assert.DoesNotContain(name, silo.Vault.Deleted);
        Assert.True(silo.Vault.Holds(name));
        Assert.Equal(new[] { (address.ToString(), url) }, await VaultKeys.RemoteKeysAsync(client));
        Assert.Equal(KeyStatus.Active, (await silo.Services.GetRequiredService<KeyCustody>().FindKeyAsync(address))!.Status);
    }

    [Fact]
    public async Task a_proposal_signed_through_the_gate_by_the_vault_recovers_to_the_returned_address_with_cast_and_our_recovery()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, _, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "proposer");

        var signed = await VaultKeys.SignAsync(silo, tenant, address, 11);

        // The vault made it (the fake answers high-s; the backend lowers s and finds v).
        Assert.Equal(1, VaultKeys.SignCalls(silo.Vault, name));
        Assert.False(signed.Repeated);
        Assert.Null(Secp256k1.FindProblem(signed.Signature));
        Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        var verified = await ProcessRunner.RunAsync(Tools.Cast, ["wallet", "verify", "--no-hash", "--address", address.ToString(), signed.PayloadHash.ToString(), signed.Signature.ToString()]);
        Assert.True(verified.ExitCode == 0, $"cast wallet verify: {verified.Output} {verified.StandardError}");
        Assert.Equal(signed.Signature, Assert.Single(await silo.Services.GetRequiredService<KeyCustody>().HistoryAsync(address)).Signature);
        // Another tenant's duty cannot use it, and the vault is not even asked.
        var (other, _) = await PortalTenants.CreateAsync(silo);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => VaultKeys.SignAsync(silo, other, address, 12));
        Assert.Equal(SigningRefusal.TenantMismatch, refused.Refusal);
        Assert.Equal(1, VaultKeys.SignCalls(silo.Vault, name));
    }

    [Fact]
    public async Task deleting_a_vault_key_answers_deleted_with_its_history_says_the_vault_keeps_it_recoverable_and_it_signs_no_more()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, url, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "short-lived");
        var signed = await VaultKeys.SignAsync(silo, tenant, address, 30);

        var answer = await VaultKeys.DeleteAsync(client, address.ToString());

        var status = Assert.Single(answer.GetProperty("data").EnumerateArray());
        Assert.Equal("deleted", status.GetProperty("status").GetString());
        var message = status.GetProperty("message").GetString()!;
        Assert.Contains($"'{url}' was removed from the azure_key_vault backend", message, StringComparison.Ordinal);
        // The vault soft-deletes: the operator is told it stays recoverable there, until when, and that no purge was asked.
        var until = (DateTimeOffset.UtcNow + FakeKeyVault.Retention).ToString("yyyy-MM-dd");
        Assert.Contains($"recoverable there until {until}", message, StringComparison.Ordinal);
        Assert.Contains("PurgeDeletedKeys is off", message, StringComparison.Ordinal);
        Assert.Contains(signed.Signature.ToString(), answer.GetProperty("slashing_protection").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(silo.Vault.Holds(name));
        Assert.True(silo.Vault.HoldsDeleted(name));
        Assert.DoesNotContain(name, silo.Vault.Purged);
        Assert.Empty(await VaultKeys.RemoteKeysAsync(client));

        // It signs no more: the gate refuses before the vault is asked.
        var calls = VaultKeys.SignCalls(silo.Vault, name);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => VaultKeys.SignAsync(silo, tenant, address, 31));
        Assert.Equal(SigningRefusal.KeyDeleted, refused.Refusal);
        Assert.Equal(calls, VaultKeys.SignCalls(silo.Vault, name));
        Assert.Equal(signed.Signature, Assert.Single(await silo.Services.GetRequiredService<KeyCustody>().HistoryAsync(address)).Signature);
        // Deleting again finds nothing, and the vault is not asked again.
        var again = Assert.Single((await VaultKeys.DeleteAsync(client, address.ToString())).GetProperty("data").EnumerateArray());
        Assert.Equal("not_found", again.GetProperty("status").GetString());
        Assert.Equal(1, silo.Vault.Deleted.Count(n => n == name));
    }

    [Fact]
    public async Task a_label_whose_deleted_key_the_vault_still_keeps_is_a_conflict_naming_the_label_and_the_deleted_key()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, _, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "reused");
        await VaultKeys.DeleteAsync(client, address.ToString());
        var created = silo.Vault.Created.Count;

        var again = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "azure_key_vault", label = "reused" });

        // Not an outage (503): the name is taken by the soft-deleted key until it is purged, and the operator is told so.
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("label", problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'reused'", detail, StringComparison.Ordinal);
        Assert.Contains($"still holds a deleted key named '{name}'", detail, StringComparison.Ordinal);
        Assert.Contains("PurgeDeletedKeys", detail, StringComparison.Ordinal);
        Assert.Equal(created, silo.Vault.Created.Count);
        Assert.Empty(await VaultKeys.RemoteKeysAsync(client));
    }

    [Fact]
    public async Task a_vault_refusing_to_create_a_key_is_a_503_naming_the_vaults_answer_and_nothing_is_recorded()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        // The name check (GET, 404) passes; the create is refused, as when the identity lacks keys/create.
        silo.Vault.Fail(404, code: "KeyNotFound");
        silo.Vault.Fail(403, code: "Forbidden");

        var response = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "azure_key_vault", label = "denied" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("backend", problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("Nothing was generated or recorded", detail, StringComparison.Ordinal);
        Assert.Contains("answered 403", detail, StringComparison.Ordinal);
        Assert.Contains("Forbidden", detail, StringComparison.Ordinal);
        Assert.Contains($"POST /keys/{tenant}-denied/create 403", silo.Vault.Requests);
        Assert.False(silo.Vault.Holds($"{tenant}-denied"));
        Assert.Empty(await VaultKeys.RemoteKeysAsync(client));
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        Assert.Empty(await custody.ListKeysAsync(tenant));
        Assert.Contains(await custody.ReadAuditAsync(), line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "failed" && line.Entry.Tenant == tenant);
    }

    private static async Task<double> VaultErrorsAsync(DevnetSilo silo, string error) =>
        ScrapeText.Parse(await silo.Anonymous.GetStringAsync("/metrics")).Named("hosting_vault_errors_total")
            .Where(s => s.Labels.GetValueOrDefault("backend") == "azure_key_vault" && s.Labels.GetValueOrDefault("error") == error)
            .Sum(s => s.Value);

    private static async Task<double> GrantedAsync(DevnetSilo silo, string tenant) =>
        ScrapeText.Parse(await silo.Anonymous.GetStringAsync("/metrics")).Named("hosting_signing_granted_total")
            .Where(s => s.Labels.GetValueOrDefault("tenant") == tenant && s.Labels.GetValueOrDefault("backend") == "azure_key_vault")
            .Sum(s => s.Value);

    [Theory]
    [InlineData(403, "unauthorised")]
    [InlineData(500, "unavailable")]
    public async Task a_vault_refusing_or_failing_a_sign_is_a_clear_error_counted_in_metrics_and_nothing_is_recorded_as_signed(int status, string error)
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, url, name) = await VaultKeys.GenerateAsync(silo, client, tenant, $"failing-{status}");
        var errorsBefore = await VaultErrorsAsync(silo, error);

        // 403 is not retried; 5xx is, so it fails only when every attempt does.
        silo.Vault.Fail(status, times: status == 403 ? 1 : DevnetSiloWithKeyVault.MaxRetries + 1, code: status == 403 ? "Forbidden" : "InternalServerError");
        var failed = await Assert.ThrowsAsync<KeyVaultException>(() => VaultKeys.SignAsync(silo, tenant, address, 40));

        Assert.Equal(status, failed.Status);
        Assert.Equal(status == 403 ? VaultError.Unauthorised : VaultError.Unavailable, failed.Error);
        Assert.Contains($"answered {status}", failed.Message, StringComparison.Ordinal);
        Assert.Contains(url, failed.Message, StringComparison.Ordinal);
        Assert.Contains($"POST /keys/{name}/{url.Split('/')[^1]}/sign {status}", silo.Vault.Requests);
        // Over HTTP: the failure is counted by kind, and no signature is counted as granted for the tenant.
        // (The exporter caches a scrape for a moment, so the rise is awaited.)
        var errors = errorsBefore;
        for (var deadline = DateTime.UtcNow.AddSeconds(5); errors < errorsBefore + 1 && DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            errors = await VaultErrorsAsync(silo, error);
        }
        Assert.True(errors >= errorsBefore + 1, $"hosting_vault_errors_total{{error=\"{error}\"}} did not rise from {errorsBefore}");
        Assert.Equal(0, await GrantedAsync(silo, tenant));
        // Nothing recorded as signed, the failure audited, and the key still listed (a vault outage deletes nothing).
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        Assert.Empty(await custody.HistoryAsync(address));
        Assert.Contains(await custody.ReadAuditAsync(address), line => line.Entry.Outcome == "failed" && line.Entry.Slot == 40);
        Assert.Equal(new[] { (address.ToString(), url) }, await VaultKeys.RemoteKeysAsync(client));

        // Once the vault answers again the same duty signs: the failure left no record in its way.
        var signed = await VaultKeys.SignAsync(silo, tenant, address, 40);
        Assert.False(signed.Repeated);
        Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        var granted = 0d;
        for (var deadline = DateTime.UtcNow.AddSeconds(5); granted < 1 && DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            granted = await GrantedAsync(silo, tenant);
        }
        Assert.Equal(1, granted);
    }
}

/// <summary>
/// A silo with <c>Hosting:Keys:KeyVault:PurgeDeletedKeys=true</c>: deleting a generated key purges it from the vault,
/// and a vault with purge protection leaves it soft-deleted, which the answer says, while the key never signs again.
/// </summary>
public sealed class KeyVaultPurgePortalTests(DevnetSiloWithPurgingKeyVault silo) : IClassFixture<DevnetSiloWithPurgingKeyVault>
{
    [Fact]
    public async Task deleting_a_vault_key_with_purge_on_purges_it_from_the_vaults_deleted_keys()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, _, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "purged");
        var signed = await VaultKeys.SignAsync(silo, tenant, address, 50);

        var answer = await VaultKeys.DeleteAsync(client, address.ToString());

        var status = Assert.Single(answer.GetProperty("data").EnumerateArray());
        Assert.Equal("deleted", status.GetProperty("status").GetString());
        Assert.Contains($"deleted and purged from vault {silo.Vault.Uri.Host}: gone for good", status.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(signed.Signature.ToString(), answer.GetProperty("slashing_protection").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(name, silo.Vault.Purged);
        Assert.False(silo.Vault.HoldsDeleted(name));
        Assert.False(silo.Vault.Holds(name));
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => VaultKeys.SignAsync(silo, tenant, address, 51));
        Assert.Equal(SigningRefusal.KeyDeleted, refused.Refusal);
        Assert.Equal("not_found", Assert.Single((await VaultKeys.DeleteAsync(client, address.ToString())).GetProperty("data").EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task on_a_purge_protected_vault_the_answer_names_purge_protection_and_the_key_signs_no_more()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var (address, _, name) = await VaultKeys.GenerateAsync(silo, client, tenant, "protected");
        var signed = await VaultKeys.SignAsync(silo, tenant, address, 60);
        silo.Vault.PurgeProtection = true;
        JsonElement answer;
        try
        {
            answer = await VaultKeys.DeleteAsync(client, address.ToString());
        }
        finally
        {
            silo.Vault.PurgeProtection = false;
        }

        var status = Assert.Single(answer.GetProperty("data").EnumerateArray());
        // Deleted in custody (it never signs again, its history went out), but the per-key message says the purge failed and why.
        Assert.Equal("deleted", status.GetProperty("status").GetString());
        var message = status.GetProperty("message").GetString()!;
        Assert.Contains("The azure_key_vault backend did not finish removing it: ", message, StringComparison.Ordinal);
        Assert.Contains("was deleted from vault", message, StringComparison.Ordinal);
        Assert.Contains("not purged", message, StringComparison.Ordinal);
        Assert.Contains("purge protection", message, StringComparison.Ordinal);
        Assert.Contains($"recoverable there until {(DateTimeOffset.UtcNow + FakeKeyVault.Retention):yyyy-MM-dd}", message, StringComparison.Ordinal);
        Assert.Contains(signed.Signature.ToString(), answer.GetProperty("slashing_protection").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(silo.Vault.HoldsDeleted(name));
        Assert.DoesNotContain(name, silo.Vault.Purged);
        Assert.Contains($"DELETE /deletedkeys/{name} 403", silo.Vault.Requests);
        Assert.Empty(await VaultKeys.RemoteKeysAsync(client));
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        Assert.Equal(KeyStatus.Deleted, (await custody.FindKeyAsync(address))!.Status);
        Assert.Contains(await custody.ReadAuditAsync(address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "failed");
        var calls = VaultKeys.SignCalls(silo.Vault, name);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => VaultKeys.SignAsync(silo, tenant, address, 61));
        Assert.Equal(SigningRefusal.KeyDeleted, refused.Refusal);
        Assert.Equal(calls, VaultKeys.SignCalls(silo.Vault, name));
    }
}
