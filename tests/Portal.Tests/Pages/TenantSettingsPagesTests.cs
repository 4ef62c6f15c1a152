using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>
/// An operator sets the tenant's upgrade signal and prover policy through the settings page (the API reads back
/// what the form saved), sees a refusal naming the bad value, and finds clear empty states with no publishers.
/// </summary>
public sealed class TenantSettingsPagesTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private const string Payload = "0x2222222222222222222222222222222222222222222222222222222222222222";
    private const string Prover = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "operator-settings");

    [Fact]
    public async Task an_operator_saves_the_upgrade_signal_and_prover_policy_through_the_settings_forms_and_the_api_reads_them_back()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        Directory.CreateDirectory(Screenshots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await SignInAsync(browser, token);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No sequencer signals differently from the tenant.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("(zero: they abstain)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "1-settings-defaults.png"), FullPage = true });

        // A payload that is too short is refused with the API's words, and nothing is saved.
        await page.GetByLabel("Payload id").FillAsync("0x1234");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the upgrade signal" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'0x1234' is not a payload id");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "2-signal-refused.png"), FullPage = true });

        // A sequencer the tenant does not host cannot carry its own signal.
        await page.GetByLabel("Payload id").FillAsync(Payload);
        await page.GetByLabel("Only for sequencer (optional)").FillAsync(Prover);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the upgrade signal" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Sequencer {Prover} is not hosted by tenant '{tenant}'");

        await page.GetByLabel("Payload id").FillAsync(Payload);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the upgrade signal" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Your proposals now signal {Payload}");
        Assert.EndsWith("/operator/settings", page.Url);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync($"Your proposals signal {Payload}.");

        // The prover policy: a prover both allowed and blocked is refused, naming the field.
        await page.GetByLabel("Allowed provers (one address a line; empty allows any)").FillAsync(Prover);
        await page.GetByLabel("Blocked provers (one address a line)").FillAsync(Prover);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the prover policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Prover policy not saved (Blocked provers)");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("is both allowed and blocked");

        await page.GetByLabel("Minimum bond (wei)").FillAsync("5000");
        await page.GetByLabel("Maximum fee (wei, empty for no limit)").FillAsync("70");
        await page.GetByLabel("Only provers with a clean record").UncheckAsync();
        await page.GetByLabel("Allowed provers (one address a line; empty allows any)").FillAsync(Prover);
        await page.GetByLabel("Blocked provers (one address a line)").FillAsync("");
        await page.GetByLabel("Preference").SelectOptionAsync("highest-bond");
        await Assertions.Expect(page.GetByLabel("Backup blocks")).ToHaveValueAsync("submit");
        await page.GetByLabel("Backup blocks").SelectOptionAsync("never");
        await Assertions.Expect(page.GetByLabel("Most provers authorised per slot (1-64; empty for the platform's bound)")).ToHaveValueAsync("");
        await page.GetByLabel("Most provers authorised per slot (1-64; empty for the platform's bound)").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the prover policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Prover policy saved");
        await Assertions.Expect(page.GetByLabel("Minimum bond (wei)")).ToHaveValueAsync("5000");
        await Assertions.Expect(page.GetByLabel("Only provers with a clean record")).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.GetByLabel("Backup blocks")).ToHaveValueAsync("never");
        await Assertions.Expect(page.GetByLabel("Most provers authorised per slot (1-64; empty for the platform's bound)")).ToHaveValueAsync("2");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "3-settings-saved.png"), FullPage = true });

        using var api = silo.WithToken(token);
        var signal = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/upgrade-signal");
        Assert.Equal(Payload, signal.GetProperty("tenant").GetString());
        var policy = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("5000", policy.GetProperty("minimumBond").GetString());
        Assert.Equal("70", policy.GetProperty("maximumFee").GetString());
        Assert.False(policy.GetProperty("requireCleanRecord").GetBoolean());
        Assert.Equal(Prover, policy.GetProperty("allowedProvers")[0].GetString());
        Assert.Equal("highest-bond", policy.GetProperty("preference").GetString());
        Assert.Equal("never", policy.GetProperty("backup").GetString());
        Assert.Equal(2, policy.GetProperty("maxAuthorisationsPerSlot").GetInt32());

        // Another tenant signed in sees its own defaults, not these.
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        var other = await SignInAsync(browser, otherToken);
        await other.GotoAsync("/operator/settings");
        await Assertions.Expect(other.Locator("main")).ToContainTextAsync("(zero: they abstain)");
        await Assertions.Expect(other.GetByLabel("Minimum bond (wei)")).ToHaveValueAsync("0");
        await Assertions.Expect(other.GetByLabel("Backup blocks")).ToHaveValueAsync("submit");
    }

    [Fact]
    public async Task a_tenant_without_publishers_sees_an_empty_state_and_an_empty_list_from_the_api_and_another_tenant_is_refused()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        Directory.CreateDirectory(Screenshots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await SignInAsync(browser, token);
        await page.GetByRole(AriaRole.Link, new() { Name = "Publisher accounts" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No publisher accounts yet.")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "4-no-publishers.png"), FullPage = true });

        var list = await silo.WithToken(token).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/publishers");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).GetAsync($"/api/v1/tenants/{tenant}/publishers")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Http.GetAsync("/api/v1/tenants/t-nobody/publishers")).StatusCode);
    }

    [Fact]
    public async Task a_settings_form_posted_without_the_pages_antiforgery_token_changes_nothing()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await SignInAsync(browser, token);
        // The signed-in browser's own cookies, but a form this portal did not serve (no antiforgery field).
        var form = page.APIRequest.CreateFormData();
        form.Set("payload", Payload);
        var response = await page.APIRequest.PostAsync("/operator/settings/upgrade-signal", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(400, response.Status);
        var signal = await silo.WithToken(token).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/upgrade-signal");
        Assert.Equal("0x" + new string('0', 64), signal.GetProperty("tenant").GetString());
    }

    private async Task<IPage> SignInAsync(IBrowser browser, string token)
    {
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);
        await Assertions.Expect(page.GetByText("No sequencers yet.")).ToBeVisibleAsync();
        return page;
    }
}
