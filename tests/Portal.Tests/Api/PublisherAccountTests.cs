using Hosting.Portal.Tests.Pages;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Hosting.Portal.Tests.Api;

/// <summary>
/// A tenant operator adds a publisher account at runtime (no restart), through the API and through the publisher
/// accounts page, on a devnet silo with key custody in PostgreSQL following a real anvil with infra/l1 deployed. The
/// account added through the API then pays for and sends a sequencer's registration: on L1 the transaction is from it.
/// </summary>
public sealed class PublisherAccountTests(DevnetSiloOnL1 silo) : IClassFixture<DevnetSiloOnL1>
{
    // anvil's dev account 3: funded with ETH and stake tokens by the deploy script; funds the new accounts here.
    private static readonly Address Funder = Address.Parse("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
    private const string Password = "publisher pw 7f3a";

    [Fact]
    public async Task an_account_added_through_the_api_is_listed_refused_twice_and_sends_a_registration_from_itself_on_l1()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        using var api = silo.WithToken(token);
        var keystore = await PortalTenants.CastKeystoreAsync(Password);
        var url = $"/api/v1/tenants/{tenant}/publishers";

        // Without a token, or with another tenant's: refused, and nothing is added.
        Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Anonymous.PostAsJsonAsync(url, new { keystore = keystore.Json, password = Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).PostAsJsonAsync(url, new { keystore = keystore.Json, password = Password })).StatusCode);
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray());
        Assert.Equal(0, await CustodyRowsAsync(keystore.Address));

        // Bad input: each answer names the field, never echoes the password, and adds nothing.
        await AssertProblemAsync(api, url, new { keystore = keystore.Json, password = "not the password 91" }, HttpStatusCode.BadRequest, "password", "password does not open this keystore");
        await AssertProblemAsync(api, url, new { keystore = keystore.Json }, HttpStatusCode.BadRequest, "password", "Send the keystore's password");
        await AssertProblemAsync(api, url, new { keystore = "{\"version\": 3}", password = Password }, HttpStatusCode.BadRequest, "keystore", "keystore");
        await AssertProblemAsync(api, url, new { keystore = "not json at all", password = Password }, HttpStatusCode.BadRequest, "keystore", "keystore");
        await AssertProblemAsync(api, url, new { password = Password }, HttpStatusCode.BadRequest, "keystore", "Send a keystore");
        await AssertProblemAsync(api, url, new { keystore = keystore.Json, password = Password, backend = "pkcs11" }, HttpStatusCode.BadRequest, "backend", "not both");
        await AssertProblemAsync(api, url, new { backend = "papyrus" }, HttpStatusCode.BadRequest, "backend", "'papyrus' is not a key backend");
        await AssertProblemAsync(api, url, new { backend = "pkcs11" }, HttpStatusCode.ServiceUnavailable, "backend", "not configured");
        Assert.Equal(0, await CustodyRowsAsync(keystore.Address));

        // Added: 201 with the account and its real (empty) balance; listed; the keystore stays in custody as ciphertext only.
        var added = await api.PostAsJsonAsync(url, new { keystore = keystore.Json, password = Password });
        var addedText = await added.Content.ReadAsStringAsync();
        Assert.True(added.StatusCode == HttpStatusCode.Created, addedText);
        var account = JsonDocument.Parse(addedText).RootElement;
        Assert.Equal(keystore.Address, account.GetProperty("address").GetString(), ignoreCase: true);
        Assert.Equal("keystore", account.GetProperty("backend").GetString());
        Assert.Equal("0", account.GetProperty("balance").GetString());
        Assert.True(account.GetProperty("underfunded").GetBoolean());
        Assert.Equal(1, await CustodyRowsAsync(keystore.Address));
        Assert.False(await StoredAnywhereAsync(Password), "the password is stored in the database");

        // Twice: 409, still one account. Another tenant's token still changes nothing.
        await AssertProblemAsync(api, url, new { keystore = keystore.Json, password = Password }, HttpStatusCode.Conflict, "keystore", "already one of this tenant's publisher accounts");
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).GetAsync(url)).StatusCode);
        var listed = (await api.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([keystore.Address], listed.Select(i => i.GetProperty("address").GetString()!.ToLowerInvariant()));

        // A sequencer key of the tenant cannot also be a publisher account.
        var sequencer = await PortalTenants.CastKeystoreAsync("sequencer pw");
        (await api.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { sequencer.Json }, passwords = new[] { "sequencer pw" } })).EnsureSuccessStatusCode();
        await AssertProblemAsync(api, url, new { keystore = sequencer.Json, password = "sequencer pw" }, HttpStatusCode.Conflict, "keystore", "sequencer");
        // ...and the publisher key is not listed among the tenant's sequencer keys.
        var sequencerKeys = (await api.GetFromJsonAsync<JsonElement>("/eth/v1/keystores")).GetProperty("data").EnumerateArray()
            .Select(k => k.GetProperty("validating_pubkey").GetString()!.ToLowerInvariant()).ToList();
        Assert.Contains(sequencer.Address, sequencerKeys);
        Assert.DoesNotContain(keystore.Address, sequencerKeys);

        // Funded (ETH for gas, tokens for the stake), the new account registers the sequencer: approve + register are
        // signed with its key and sent from it, as L1 shows.
        await FundAsync(keystore.Address, 1);
        var registered = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{sequencer.Address}/register",
            new { stake = silo.Deployment.MinStake.ToString(), withdrawer = keystore.Address, publisher = keystore.Address });
        var registeredText = await registered.Content.ReadAsStringAsync();
        Assert.True(registered.StatusCode == HttpStatusCode.Accepted, registeredText);
        var transaction = JsonDocument.Parse(registeredText).RootElement.GetProperty("lastTransaction").GetString()!;
        await WaitUntilAsync(async () => (await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers/{sequencer.Address}")).GetProperty("status").GetString() == "queued",
            "the sequencer queued");
        var receipt = await silo.CastAsync("receipt", transaction, "--json");
        Assert.Equal("0x1", JsonDocument.Parse(receipt).RootElement.GetProperty("status").GetString());
        Assert.Equal(keystore.Address, (await silo.CastAsync("tx", transaction, "from")).Trim(), ignoreCase: true);
        Assert.Equal(silo.Deployment.Registry.ToString(), (await silo.CastAsync("tx", transaction, "to")).Trim(), ignoreCase: true);
        var after = (await api.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(2, after.GetProperty("sent").GetInt64()); // approve + register
        Assert.Equal((await silo.CastAsync("balance", keystore.Address)).Trim(), after.GetProperty("balance").GetString());
    }

    [Fact]
    public async Task an_account_is_removed_only_by_its_tenant_only_with_nothing_pending_and_then_neither_listed_nor_signing()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        using var api = silo.WithToken(token);
        var keystore = await PortalTenants.CastKeystoreAsync(Password);
        var first = await PortalTenants.CastKeystoreAsync("sequencer pw");
        var second = await PortalTenants.CastKeystoreAsync("sequencer pw");
        var url = $"/api/v1/tenants/{tenant}/publishers";
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync(url, new { keystore = keystore.Json, password = Password })).StatusCode);
        (await api.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { first.Json, second.Json }, passwords = new[] { "sequencer pw", "sequencer pw" } })).EnsureSuccessStatusCode();
        var account = $"{url}/{keystore.Address}";

        // Without a token, with another tenant's, a malformed address, an address that is no publisher of this tenant,
        // and a sequencer key of this tenant: refused, and the account is still listed and its key still active.
        Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Anonymous.DeleteAsync(account)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).DeleteAsync(account)).StatusCode);
        await AssertDeleteProblemAsync(api, $"{url}/0x12345", HttpStatusCode.BadRequest, "\"address\"", "'0x12345' is not a publisher account address");
        await AssertDeleteProblemAsync(api, $"{url}/{Funder}", HttpStatusCode.NotFound, $"has no publisher account {Funder}");
        await AssertDeleteProblemAsync(api, $"{url}/{first.Address}", HttpStatusCode.NotFound, "is one of this tenant's sequencer keys");
        Assert.Equal("active", await CustodyStatusAsync(first.Address));
        Assert.Equal("active", await CustodyStatusAsync(keystore.Address));
        Assert.Equal([keystore.Address], await ListedAsync(api, url));

        // With its registration of the first sequencer still pending (mined, not yet 12 blocks deep): 409 naming it.
        await FundAsync(keystore.Address, 2);
        var registered = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{first.Address}/register",
            new { stake = silo.Deployment.MinStake.ToString(), withdrawer = keystore.Address, publisher = keystore.Address });
        Assert.True(registered.StatusCode == HttpStatusCode.Accepted, await registered.Content.ReadAsStringAsync());
        await AssertDeleteProblemAsync(api, account, HttpStatusCode.Conflict, $"register {first.Address}");
        Assert.Equal("active", await CustodyStatusAsync(keystore.Address));
        Assert.Equal([keystore.Address], await ListedAsync(api, url));

        // Confirmation-deep: removed. 200 with the address and status; no longer listed; the key is deleted in custody.
        await silo.Anvil.MineAsync(12);
        var removed = await api.DeleteAsync(account);
        var removedText = await removed.Content.ReadAsStringAsync();
        Assert.True(removed.StatusCode == HttpStatusCode.OK, removedText);
        var answer = JsonDocument.Parse(removedText).RootElement;
        Assert.Equal(keystore.Address, answer.GetProperty("address").GetString(), ignoreCase: true);
        Assert.Equal("deleted", answer.GetProperty("status").GetString());
        Assert.Equal("keystore", answer.GetProperty("backend").GetString());
        Assert.Empty(await ListedAsync(api, url));
        Assert.Equal("deleted", await CustodyStatusAsync(keystore.Address));
        await AssertDeleteProblemAsync(api, account, HttpStatusCode.NotFound, $"has no publisher account {keystore.Address}");

        // The platform no longer signs with it: registering the second sequencer through it is refused by name, and
        // the account's nonce on L1 stays where it was.
        var nonce = (await silo.CastAsync("nonce", keystore.Address)).Trim();
        var refused = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{second.Address}/register",
            new { stake = silo.Deployment.MinStake.ToString(), withdrawer = keystore.Address, publisher = keystore.Address });
        var refusedText = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, refusedText);
        Assert.Contains($"has no publisher {keystore.Address}", refusedText, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(nonce, (await silo.CastAsync("nonce", keystore.Address)).Trim());
        Assert.Equal("active", await CustodyStatusAsync(first.Address));

        // The API reference describes the call with its answers.
        var delete = (await silo.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths")
            .GetProperty("/api/v1/tenants/{tenantId}/publishers/{address}").GetProperty("delete").GetProperty("responses");
        Assert.Subset(delete.EnumerateObject().Select(r => r.Name).ToHashSet(), new HashSet<string> { "200", "400", "404", "409" });
    }

    [Fact]
    public async Task an_operator_adds_an_account_on_the_publisher_page_and_a_wrong_password_is_named_there()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var keystore = await PortalTenants.CastKeystoreAsync(Password);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);
        await page.GetByRole(AriaRole.Link, new() { Name = "Publisher accounts" }).ClickAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("No publisher accounts yet");

        await page.GetByLabel("Keystore file (JSON)").SetInputFilesAsync(keystore.Path);
        await page.GetByLabel("Keystore password").FillAsync("wrong password 55");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add from keystore" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("password does not open this keystore");
        Assert.DoesNotContain("wrong password 55", await page.ContentAsync());

        await page.GetByLabel("Keystore file (JSON)").SetInputFilesAsync(keystore.Path);
        await page.GetByLabel("Keystore password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add from keystore" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Added publisher account");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = keystore.Address });
        await Assertions.Expect(row).ToContainTextAsync("Low: fund this account");
        var listed = await silo.WithToken(token).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/publishers");
        Assert.Equal(keystore.Address, listed.GetProperty("items")[0].GetProperty("address").GetString(), ignoreCase: true);

        await row.GetByRole(AriaRole.Button, new() { Name = $"Remove publisher account {keystore.Address}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Removed publisher account {keystore.Address}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("No publisher accounts yet");
        Assert.Empty(await ListedAsync(silo.WithToken(token), $"/api/v1/tenants/{tenant}/publishers"));
    }

    /// <summary>ETH for gas and <paramref name="stakes"/> minimum stakes in tokens, from anvil's account 3.</summary>
    private async Task FundAsync(string account, int stakes)
    {
        await silo.CastAsync("send", "--unlocked", "--from", Funder.ToString(), account, "--value", "10ether");
        await silo.CastSendAsync(Funder, silo.Deployment.Token, "transfer(address,uint256)", account, (silo.Deployment.MinStake * stakes).ToString());
    }

    private static async Task<List<string>> ListedAsync(HttpClient api, string url) =>
        [.. (await api.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()!.ToLowerInvariant())];

    private async Task<string?> CustodyStatusAsync(string address)
    {
        await using var command = silo.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("select status::text from signing_keys where address = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Convert.FromHexString(address[2..]) });
        return (string?)await command.ExecuteScalarAsync();
    }

    private static async Task AssertDeleteProblemAsync(HttpClient api, string url, HttpStatusCode status, params string[] texts)
    {
        var response = await api.DeleteAsync(url);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"DELETE {url}: {(int)response.StatusCode} {answer}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The problem's words as a reader sees them (JSON may escape an apostrophe).
        var words = string.Join(" | ", Strings(JsonDocument.Parse(answer).RootElement));
        foreach (var text in texts)
        {
            Assert.Contains(text, words);
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend($"\"{p.Name}\"")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    private async Task<long> CustodyRowsAsync(string address)
    {
        await using var command = silo.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("select count(*) from signing_keys where address = $1 and purpose = 'publisher'");
        command.Parameters.Add(new NpgsqlParameter { Value = Convert.FromHexString(address[2..]) });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Whether <paramref name="text"/> is in any row of the key custody tables (keys, audit, history).</summary>
    private async Task<bool> StoredAnywhereAsync(string text)
    {
        await using var command = silo.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "select exists (select 1 from signing_keys k where k::text like $1) or exists (select 1 from signing_audit a where a::text like $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = "%" + text + "%" });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task AssertProblemAsync(HttpClient api, string url, object body, HttpStatusCode status, string field, string text)
    {
        var response = await api.PostAsJsonAsync(url, body);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{JsonSerializer.Serialize(body).Length} byte body: {(int)response.StatusCode} {answer}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"{field}\"", answer);
        Assert.Contains(text, answer);
        Assert.DoesNotContain(Password, answer);
        Assert.DoesNotContain("not the password 91", answer);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not {what} within 45 s");
            await Task.Delay(300);
        }
    }
}
