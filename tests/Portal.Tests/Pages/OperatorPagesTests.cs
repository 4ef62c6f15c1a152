using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>An operator in a real browser (headless /usr/bin/chromium): signs in, imports a keystore, sees the sequencer.</summary>
public sealed class OperatorPagesTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    [Fact]
    public async Task an_operator_signs_in_imports_a_keystore_through_the_form_and_sees_the_sequencer_on_the_dashboard()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        var keystore = await PortalTenants.CastKeystoreAsync("operator password");
        Directory.CreateDirectory(Screenshots);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { BaseURL = silo.BaseAddress.ToString() });

        await page.GotoAsync("/operator");
        Assert.EndsWith("/operator/sign-in?ReturnUrl=%2Foperator", page.Url);
        await page.GetByLabel("Tenant API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No sequencers yet.")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "1-empty-dashboard.png"), FullPage = true });

        await page.GetByRole(AriaRole.Link, new() { Name = "Import a keystore" }).First.ClickAsync();
        await page.GetByLabel("Keystore file (JSON)").SetInputFilesAsync(keystore.Path);
        await page.GetByLabel("Keystore password").FillAsync("operator password");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "2-import-form.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(keystore.Address);

        await page.GotoAsync("/operator");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = keystore.Address });
        await Assertions.Expect(row).ToContainTextAsync("unregistered");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "3-dashboard-with-sequencer.png"), FullPage = true });

        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToContainTextAsync(keystore.Address);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "4-sequencer-detail.png"), FullPage = true });

        // The devnet of this test has no L1: the register form answers with the refusal and nothing moves.
        await page.GetByLabel("Stake (wei)").FillAsync("100000000000000000000");
        await page.GetByLabel("Withdrawer address").FillAsync("0x" + new string('3', 40));
        await page.GetByLabel("Publisher address (pays and sends)").FillAsync("0x" + new string('4', 40));
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Not registered: No L1 deployment is configured");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "5-register-refused-without-l1.png"), FullPage = true });
    }

    [Fact]
    public async Task reloading_after_a_form_was_answered_posts_nothing_again_and_shows_the_outcome_once()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        var keystore = await PortalTenants.CastKeystoreAsync("reload password");
        Directory.CreateDirectory(Screenshots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { BaseURL = silo.BaseAddress.ToString() });
        var posts = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                posts.Add(new Uri(request.Url).AbsolutePath);
            }
        };

        // A wrong token: the refusal is shown on the sign-in page, and a reload neither posts the token again nor repeats it.
        await page.GotoAsync("/operator/sign-in");
        await page.GetByLabel("Tenant API token").FillAsync("hst.not-a-real-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not a valid tenant token");
        Assert.EndsWith("/operator/sign-in", page.Url);
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        Assert.Equal(["/operator/sign-in"], posts);

        await page.GetByLabel("Tenant API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No sequencers yet.")).ToBeVisibleAsync();

        // An import lands on the new sequencer's page with the outcome; a reload imports nothing again ("duplicate").
        await page.GotoAsync("/operator/keys/import");
        await page.GetByLabel("Keystore file (JSON)").SetInputFilesAsync(keystore.Path);
        await page.GetByLabel("Keystore password").FillAsync("reload password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Imported sequencer {keystore.Address}");
        Assert.EndsWith($"/operator/sequencers/{keystore.Address}", page.Url);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "6-import-outcome-after-redirect.png"), FullPage = true });
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToContainTextAsync(keystore.Address);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);

        // A refused registration: the reason once, then a clean page on reload, and still one post of each form.
        await page.GetByLabel("Stake (wei)").FillAsync("100000000000000000000");
        await page.GetByLabel("Withdrawer address").FillAsync("0x" + new string('3', 40));
        await page.GetByLabel("Publisher address (pays and sends)").FillAsync("0x" + new string('4', 40));
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Not registered:");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToContainTextAsync(keystore.Address);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await page.GoBackAsync();
        await page.ReloadAsync();
        Assert.Equal(["/operator/sign-in", "/operator/sign-in", "/operator/keys/import", $"/operator/sequencers/{keystore.Address}/register"], posts);
    }

    [Fact]
    public async Task a_sign_in_posted_from_elsewhere_without_the_forms_antiforgery_token_is_refused_and_sets_no_cookie()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        var response = await silo.Anonymous.PostAsync("/operator/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("nothing was done", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("hosting.operator", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task the_dashboard_without_a_sign_in_redirects_to_the_sign_in_page()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = silo.BaseAddress };
        var response = await client.GetAsync("/operator");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/operator/sign-in", response.Headers.Location!.PathAndQuery);
    }
}
