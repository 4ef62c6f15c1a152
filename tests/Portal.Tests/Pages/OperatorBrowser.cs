using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>Debian's Chromium, headless, and an operator signed in through the portal's own sign-in form: the steps every page test starts with.</summary>
public static class OperatorBrowser
{
    /// <summary>Chromium from the Debian package the test command installs (never a downloaded browser).</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });

    /// <summary>A new page on <paramref name="portal"/> where the operator typed the tenant's API token into the sign-in form and pressed "Sign in".</summary>
    public static async Task<IPage> SignInAsync(IBrowser browser, Uri portal, string token)
    {
        var page = await browser.NewPageAsync(new() { BaseURL = portal.ToString() });
        await page.GotoAsync("/operator/sign-in");
        await page.GetByLabel("Tenant API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }
}
