using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Pages;

/// <summary>
/// Post-redirect-get for the operator's forms: a form's answer is a 303 to the page it concerns, carrying what
/// happened in a short-lived encrypted cookie that the next page shows once and clears. Reloading that page
/// is a plain GET: it neither posts the form again (a second import, registration or exit) nor repeats the notice.
/// </summary>
public static class FormOutcome
{
    private const string CookieName = "hosting.outcome";
    private const string Purpose = "hosting.operator.form-outcome";

    /// <summary>Redirects to <paramref name="location"/>, which will show <paramref name="text"/> once (an alert when <paramref name="failed"/>).</summary>
    public static IResult RedirectWith(HttpContext http, string location, string text, bool failed = false)
    {
        var protector = http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        http.Response.Cookies.Append(CookieName, protector.Protect((failed ? "alert|" : "status|") + text), new CookieOptions
        {
            Path = "/operator",
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            MaxAge = TimeSpan.FromMinutes(2),
        });
        return SeeOther(location);
    }

    /// <summary>303 See Other: the browser follows with a GET whatever the form's method was.</summary>
    public static IResult SeeOther(string location) => new SeeOtherResult(location);

    /// <summary>The outcome a form left for this page, taken so that a reload does not show it again.</summary>
    public static (string Text, bool Failed)? Take(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) || !http.Request.Cookies.TryGetValue(CookieName, out var sealedText))
        {
            return null;
        }
        http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/operator" });
        try
        {
            var text = http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(sealedText);
            return text.StartsWith("alert|", StringComparison.Ordinal) ? (text["alert|".Length..], true)
                : text.StartsWith("status|", StringComparison.Ordinal) ? (text["status|".Length..], false)
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // not ours, or from before a key rotation: show nothing
        }
    }

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
