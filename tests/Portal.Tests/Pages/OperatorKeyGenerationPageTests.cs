using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hosting.Portal.Tests.Keys;
using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>
/// An operator generates a key in the HSM (a real SoftHSM2 token) from the operator pages: the form answers with
/// the new sequencer's page showing its address, the Keymanager API lists it, a label used twice is refused with
/// the reason, and a reload does not generate a second key.
/// </summary>
public sealed partial class OperatorKeyGenerationPageTests(DevnetSiloWithHsm silo) : IClassFixture<DevnetSiloWithHsm>
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "operator-hsm");

    [Fact]
    public async Task an_operator_generates_a_key_in_the_hsm_sees_its_address_and_the_api_lists_it_as_the_tenants_remote_key()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        Directory.CreateDirectory(Screenshots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);
        await Assertions.Expect(page.GetByText("No sequencers yet.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Generate a key in the HSM" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Generate a key in the HSM" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Where")).ToHaveValueAsync("pkcs11");
        await page.GetByLabel("Key label (optional)").FillAsync("from-the-page");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "1-generate-form.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate the key" }).ClickAsync();

        var status = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToContainTextAsync("Generated sequencer 0x");
        await Assertions.Expect(status).ToContainTextAsync($"pkcs11:object={tenant}.from-the-page");
        var address = AddressPattern().Match(await status.InnerTextAsync()).Value;
        Assert.EndsWith($"/operator/sequencers/{address}", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Sequencer {address}" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "2-generated.png"), FullPage = true });

        // Post-redirect-get: reloading the answer page neither generates again nor repeats the notice.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);
        using var api = silo.WithToken(token);
        var remote = (await api.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys")).GetProperty("data");
        Assert.Equal(1, remote.GetArrayLength());
        Assert.Equal(address, remote[0].GetProperty("pubkey").GetString());
        Assert.Equal($"pkcs11:object={tenant}.from-the-page", remote[0].GetProperty("url").GetString());

        // The same label again is refused with the reason, and nothing more is generated.
        await page.GotoAsync("/operator/keys/generate");
        await page.GetByLabel("Key label (optional)").FillAsync("from-the-page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate the key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No key generated: This tenant already has a key labelled 'from-the-page'");
        Assert.EndsWith("/operator/keys/generate", page.Url);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "3-label-taken.png"), FullPage = true });
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys")).GetProperty("data").GetArrayLength());

        // The dashboard lists it among the tenant's sequencers.
        await page.GotoAsync("/operator");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = address })).ToBeVisibleAsync();
    }

    [GeneratedRegex("0x[0-9a-f]{40}")]
    private static partial Regex AddressPattern();
}

/// <summary>Without an HSM configured the form is not offered; the page says which settings enable it.</summary>
public sealed class OperatorKeyGenerationWithoutHsmPageTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    [Fact]
    public async Task without_an_hsm_the_page_explains_how_to_enable_one_and_offers_no_form()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);
        await page.GotoAsync("/operator/keys/generate");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("No HSM is configured on this server");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Hosting:Keys:Pkcs11");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Generate the key" })).ToHaveCountAsync(0);
    }
}
