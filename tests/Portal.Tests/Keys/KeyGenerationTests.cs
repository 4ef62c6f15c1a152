using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Pkcs11;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests.Keys;

/// <summary>
/// POST /api/v1/tenants/{tenant}/keys against a real SoftHSM2 token: the key is made in the token, recorded as the
/// tenant's, hosted as its sequencer, listed by the Keymanager API and signs duties through the signing gate.
/// </summary>
public sealed class KeyGenerationTests(DevnetSiloWithHsm silo) : IClassFixture<DevnetSiloWithHsm>
{
    private static async Task<HttpResponseMessage> GenerateAsync(HttpClient client, string tenant, object body) =>
        await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", body);

    private static async Task<(string Pubkey, string Url)[]> RemoteKeysAsync(HttpClient client, string query = "") =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys" + query)).GetProperty("data").EnumerateArray()
            .Select(e => (e.GetProperty("pubkey").GetString()!, e.GetProperty("url").GetString()!))];

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field, string says)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"the problem names {field}: {problem}");
        Assert.Contains(says, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_key_generated_in_the_hsm_is_the_tenants_sequencer_listed_as_a_remote_key_and_never_extractable()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        var response = await GenerateAsync(client, tenant, new { backend = "pkcs11" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = await response.Content.ReadFromJsonAsync<JsonElement>();
        var address = key.GetProperty("address").GetString()!;
        var url = key.GetProperty("url").GetString()!;
        Assert.Matches("^0x[0-9a-f]{40}$", address);
        Assert.Equal("pkcs11", key.GetProperty("backend").GetString());
        Assert.StartsWith($"pkcs11:object={tenant}.", url, StringComparison.Ordinal);
        Assert.Equal($"/api/v1/tenants/{tenant}/sequencers/{address}", response.Headers.Location?.ToString());
        Assert.Equal(new[] { (address, url) }, await RemoteKeysAsync(client));
        var sequencer = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers/{address}");
        Assert.Equal(tenant, sequencer.GetProperty("tenant").GetString());
        Assert.Equal("unregistered", sequencer.GetProperty("status").GetString());

        // The token itself says the private key is sensitive and was never extractable, and its public key is the address.
        var hsm = silo.Services.GetRequiredService<Pkcs11Backend>();
        Assert.Equal((true, false, true), await hsm.DescribeKeyAsync(url));
        Assert.Equal(Address.Parse(address), await hsm.ResolveAddressAsync(url));
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        var recorded = await custody.FindKeyAsync(Address.Parse(address));
        Assert.Equal((tenant, SigningBackend.Pkcs11, url, KeyStatus.Active), (recorded!.Tenant, recorded.Backend, recorded.KeyReference, recorded.Status));
        var audit = await custody.ReadAuditAsync(Address.Parse(address));
        Assert.Contains(audit, line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "done");
    }

    [Fact]
    public async Task a_proposal_signed_through_the_gate_with_the_generated_key_recovers_to_the_returned_address_with_cast_and_our_own_recovery()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var key = await (await GenerateAsync(client, tenant, new { backend = "pkcs11", label = "proposer" })).Content.ReadFromJsonAsync<JsonElement>();
        var address = Address.Parse(key.GetProperty("address").GetString()!);
        var gate = silo.Services.GetRequiredService<ISigningGate>();
        var domain = Hash32.Parse("0x" + new string('d', 64));
        var structHash = Hash32.Parse("0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + new string('5', 32));

        var signed = await gate.SignAsync(new SigningRequest(tenant, address, 7, Duty.Proposal, SigningPayload.Eip712(domain, structHash), "key-generation-test"));

        Assert.False(signed.Repeated);
        Assert.Null(Secp256k1.FindProblem(signed.Signature));
        Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        var verified = await ProcessRunner.RunAsync(Tools.Cast, ["wallet", "verify", "--no-hash", "--address", address.ToString(), signed.PayloadHash.ToString(), signed.Signature.ToString()]);
        Assert.True(verified.ExitCode == 0, $"cast wallet verify: {verified.Output} {verified.StandardError}");
        // Another tenant's context cannot use it: the gate refuses, naming the mismatch.
        var (other, _) = await PortalTenants.CreateAsync(silo);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() =>
            gate.SignAsync(new SigningRequest(other, address, 8, Duty.Proposal, SigningPayload.Eip712(domain, structHash), "key-generation-test")));
        Assert.Equal(SigningRefusal.TenantMismatch, refused.Refusal);
    }

    [Fact]
    public async Task bad_backends_and_labels_are_problems_naming_the_field_and_nothing_is_generated()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        await AssertInvalidAsync(await GenerateAsync(client, tenant, new { }), "backend", "Name the backend");
        await AssertInvalidAsync(await GenerateAsync(client, tenant, new { backend = "softhsm" }), "backend", "'softhsm' is not a key backend");
        await AssertInvalidAsync(await GenerateAsync(client, tenant, new { backend = "keystore" }), "backend", "import a keystore");
        await AssertInvalidAsync(await GenerateAsync(client, tenant, new { backend = "pkcs11", label = "no spaces please" }), "label", "'no spaces please' is not a key label");
        await AssertInvalidAsync(await GenerateAsync(client, tenant, new { backend = 11 }), "$.backend", "expected shape");

        var vault = await GenerateAsync(client, tenant, new { backend = "azure_key_vault" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, vault.StatusCode);
        var problem = await vault.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("backend", problem.GetProperty("field").GetString());
        Assert.Contains("azure_key_vault backend is not configured", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Empty(await RemoteKeysAsync(client));
        Assert.Empty(await silo.Services.GetRequiredService<KeyCustody>().ListKeysAsync(tenant));
    }

    [Fact]
    public async Task a_label_the_tenant_already_used_is_a_conflict_naming_the_label_while_another_tenant_may_use_the_same_label()
    {
        var (first, firstToken) = await PortalTenants.CreateAsync(silo);
        var (second, secondToken) = await PortalTenants.CreateAsync(silo);
        using var firstClient = silo.WithToken(firstToken);
        using var secondClient = silo.WithToken(secondToken);

        Assert.Equal(HttpStatusCode.Created, (await GenerateAsync(firstClient, first, new { backend = "pkcs11", label = "seq-1" })).StatusCode);
        var again = await GenerateAsync(firstClient, first, new { backend = "pkcs11", label = "seq-1" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("label", problem.GetProperty("field").GetString());
        Assert.Contains("'seq-1'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await RemoteKeysAsync(firstClient));

        var theirs = await GenerateAsync(secondClient, second, new { backend = "pkcs11", label = "seq-1" });
        Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
        Assert.Equal($"pkcs11:object={second}.seq-1", (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString());
    }

    [Fact]
    public async Task another_tenants_token_cannot_generate_for_a_tenant_or_see_its_key_and_the_admin_names_the_tenant_in_the_route()
    {
        var (owner, ownerToken) = await PortalTenants.CreateAsync(silo);
        var (intruder, intruderToken) = await PortalTenants.CreateAsync(silo);
        using var ownerClient = silo.WithToken(ownerToken);
        using var intruderClient = silo.WithToken(intruderToken);
        var made = await (await GenerateAsync(ownerClient, owner, new { backend = "pkcs11" })).Content.ReadFromJsonAsync<JsonElement>();
        var address = made.GetProperty("address").GetString()!;

        Assert.Equal(HttpStatusCode.Forbidden, (await GenerateAsync(intruderClient, owner, new { backend = "pkcs11" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GenerateAsync(silo.Anonymous, owner, new { backend = "pkcs11" })).StatusCode);
        Assert.Empty(await RemoteKeysAsync(intruderClient));
        Assert.Equal(HttpStatusCode.Forbidden, (await intruderClient.GetAsync($"/eth/v1/remotekeys?tenant={owner}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await intruderClient.GetAsync($"/api/v1/tenants/{intruder}/sequencers/{address}")).StatusCode);
        Assert.Equal(new[] { address }, (await RemoteKeysAsync(ownerClient)).Select(k => k.Pubkey));

        // The platform admin generates for the tenant the route names, and is told when that tenant does not exist.
        var byAdmin = await GenerateAsync(silo.Http, owner, new { backend = "pkcs11" });
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(2, (await RemoteKeysAsync(ownerClient)).Length);
        var unknown = await GenerateAsync(silo.Http, "t-nobody-here", new { backend = "pkcs11" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("t-nobody-here", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> DeleteRemoteKeysAsync(HttpClient client, params string[] pubkeys)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/eth/v1/remotekeys") { Content = JsonContent.Create(new { pubkeys }) };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task deleting_a_generated_key_removes_it_from_the_token_after_exporting_its_history_and_it_signs_no_more()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var key = await (await GenerateAsync(client, tenant, new { backend = "pkcs11", label = "short-lived" })).Content.ReadFromJsonAsync<JsonElement>();
        var address = Address.Parse(key.GetProperty("address").GetString()!);
        var url = key.GetProperty("url").GetString()!;
        var gate = silo.Services.GetRequiredService<ISigningGate>();
        var domain = Hash32.Parse("0x" + new string('e', 64));
        byte[] Payload(ulong slot) => SigningPayload.Eip712(domain, Keccak256.Hash($"{tenant} slot {slot}"));
        var signed = await gate.SignAsync(new SigningRequest(tenant, address, 30, Duty.Proposal, Payload(30), "key-deletion-test"));

        var answer = await DeleteRemoteKeysAsync(client, address.ToString());

        var status = Assert.Single(answer.GetProperty("data").EnumerateArray());
        Assert.Equal("deleted", status.GetProperty("status").GetString());
        Assert.Contains($"'{url}' was removed from the pkcs11 backend", status.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The history went out with the answer and stays in the safety record.
        Assert.Contains(signed.Signature.ToString(), answer.GetProperty("slashing_protection").GetString(), StringComparison.OrdinalIgnoreCase);
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        Assert.Equal(signed.Signature, Assert.Single(await custody.HistoryAsync(address)).Signature);
        // The token no longer holds the private or the public key.
        using var hsm = new Pkcs11Backend(new Pkcs11Options { LibraryPath = SoftHsm.Library, TokenLabel = SoftHsm.Label, UserPin = SoftHsm.Pin });
        Assert.Equal(HsmProblem.KeyNotFound, (await Assert.ThrowsAsync<HsmException>(() => hsm.DescribeKeyAsync(url))).Problem);
        Assert.Equal(HsmProblem.KeyNotFound, (await Assert.ThrowsAsync<HsmException>(() => hsm.ResolveAddressAsync(url))).Problem);
        Assert.Empty(await RemoteKeysAsync(client));
        Assert.Contains(await custody.ReadAuditAsync(address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "done");
        // And it signs no more: the gate refuses the deleted key, naming why.
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => gate.SignAsync(new SigningRequest(tenant, address, 31, Duty.Proposal, Payload(31), "key-deletion-test")));
        Assert.Equal(SigningRefusal.KeyDeleted, refused.Refusal);
        // Deleting again finds nothing to delete.
        Assert.Equal("not_found", Assert.Single((await DeleteRemoteKeysAsync(client, address.ToString())).GetProperty("data").EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task deleting_a_key_the_operator_registered_by_reference_leaves_it_in_the_token()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var hsm = silo.Services.GetRequiredService<Pkcs11Backend>();
        var (reference, address) = await hsm.GenerateKeyAsync($"{tenant}.brought-{Guid.NewGuid():N}"[..40]);
        using (var registered = await client.PostAsJsonAsync("/eth/v1/remotekeys", new { remote_keys = new[] { new { pubkey = address.ToString(), url = reference } } }))
        {
            Assert.Equal("imported", (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data")[0].GetProperty("status").GetString());
        }

        var status = Assert.Single((await DeleteRemoteKeysAsync(client, address.ToString())).GetProperty("data").EnumerateArray());

        Assert.Equal("deleted", status.GetProperty("status").GetString());
        Assert.Contains("did not generate it, so it stays in the pkcs11 backend", status.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(address, await new Pkcs11Backend(new Pkcs11Options { LibraryPath = SoftHsm.Library, TokenLabel = SoftHsm.Label, UserPin = SoftHsm.Pin }).ResolveAddressAsync(reference));
        Assert.Equal(KeyStatus.Deleted, (await silo.Services.GetRequiredService<KeyCustody>().FindKeyAsync(address))!.Status);
    }
}

/// <summary>A silo whose configured token is not in the HSM: generating fails naming the labels, and nothing is recorded.</summary>
public sealed class KeyGenerationTokenMissingTests(DevnetSiloWithMissingToken silo) : IClassFixture<DevnetSiloWithMissingToken>
{
    [Fact]
    public async Task generating_without_the_token_is_a_503_naming_the_wanted_and_present_tokens_and_records_no_key()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        var response = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "pkcs11" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"No token labelled '{DevnetSiloWithMissingToken.MissingLabel}'", detail, StringComparison.Ordinal);
        Assert.Contains($"'{SoftHsm.Label}'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(SoftHsm.Pin, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys")).GetProperty("data").GetArrayLength());
        var custody = silo.Services.GetRequiredService<KeyCustody>();
        Assert.Empty(await custody.ListKeysAsync(tenant));
        Assert.Contains(await custody.ReadAuditAsync(), line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "failed" && line.Entry.Tenant == tenant);
    }
}

/// <summary>A silo without any HSM setting: the API says which settings enable it.</summary>
public sealed class KeyGenerationWithoutHsmTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    [Fact]
    public async Task generating_in_an_unconfigured_pkcs11_backend_is_a_503_naming_the_backend_and_its_settings()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        var response = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "pkcs11" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("backend", problem.GetProperty("field").GetString());
        Assert.Contains("Hosting:Keys:Pkcs11:TokenLabel", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"/api/v1/tenants/{tenantId}/keys\"", await silo.Anonymous.GetStringAsync("/openapi/v1.json"), StringComparison.Ordinal);
    }
}
