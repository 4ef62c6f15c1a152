using System.Globalization;
using System.Security.Claims;
using System.Text;
using Hosting.Portal.Keys;
using Hosting.Portal.Chain;
using Hosting.Portal.Tenants;
using Hosting.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Hosting.Portal.Pages.OperatorPages;

namespace Hosting.Portal.Pages;

/// <summary>
/// The tenant's publisher accounts: each one's L1 balance, its transactions still pending, and a warning when
/// the balance cannot pay for a typical transaction (the publisher grain's own test, the one that refuses a send).
/// Below the table, forms to add an account: a keystore file with its password, or a key generated in the HSM or
/// vault when one is configured (the same <see cref="PublisherEndpoints.AddAsync"/> as the API). Each account added
/// here has a Remove button (<see cref="PublisherEndpoints.RemoveAsync"/>, as <c>DELETE</c> in the API).
/// </summary>
public static class PublisherPages
{
    public static RouteGroupBuilder MapPublisherPages(this RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/publishers", ShowAsync);
        signedIn.MapPost("/publishers/add", AddAsync);
        signedIn.MapPost("/publishers/remove", RemoveAsync);
        return signedIn;
    }

    private static async Task<IResult> RemoveAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var text = form["address"].ToString();
        if (!Hosting.Contracts.Domain.Address.TryParse(text, out var address))
        {
            return FormOutcome.RedirectWith(http, "/operator/publishers", $"Not removed (address): '{text}' is not an account address.", failed: true);
        }
        var tenant = Tenant(http);
        var outcome = await PublisherEndpoints.RemoveAsync(http.RequestServices, grains, tenant, address, http.User.FindFirst(ClaimTypes.Name)?.Value ?? tenant, http.RequestAborted);
        return outcome.Removed is { } removed
            ? FormOutcome.RedirectWith(http, "/operator/publishers", $"Removed publisher account {removed.Address}. {removed.Detail}")
            : FormOutcome.RedirectWith(http, "/operator/publishers", $"Not removed ({outcome.Title}): {outcome.Message}", failed: true);
    }

    private static async Task<IResult> AddAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var tenant = Tenant(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        string? keystore = null;
        if (form.Files.GetFile("keystore") is { Length: > 0 } file)
        {
            using var reader = new StreamReader(file.OpenReadStream());
            keystore = await reader.ReadToEndAsync(http.RequestAborted);
        }
        var backend = form["backend"].ToString();
        if (keystore is null && backend.Length == 0)
        {
            return FormOutcome.RedirectWith(http, "/operator/publishers", "Not added: choose a keystore file (Web3 Secret Storage v3 JSON).", failed: true);
        }
        var request = new AddPublisherRequest(keystore, form["password"].ToString(), keystore is null ? backend : null, form["label"].ToString());
        var outcome = await PublisherEndpoints.AddAsync(http.RequestServices, grains, tenant, request, http.User.FindFirst(ClaimTypes.Name)?.Value ?? tenant, http.RequestAborted);
        return outcome.Account is { } account
            ? FormOutcome.RedirectWith(http, "/operator/publishers", $"Added publisher account {account.Address}; fund it with ETH (and stake tokens for registrations) before it sends.")
            : FormOutcome.RedirectWith(http, "/operator/publishers", $"Not added ({outcome.Field ?? outcome.Title}): {outcome.Message}", failed: true);
    }

    private static string AddForms(HttpContext http)
    {
        var forms = new StringBuilder("<h2 id=\"add\">Add a publisher account</h2>")
            .Append("<form method=\"post\" action=\"/operator/publishers/add\" enctype=\"multipart/form-data\"><!--csrf--><fieldset><legend>From a keystore</legend>")
            .Append("<p><label for=\"publisher-keystore\">Keystore file (JSON)</label><br><input id=\"publisher-keystore\" name=\"keystore\" type=\"file\" accept=\".json,application/json\" required></p>")
            .Append("<p><label for=\"publisher-password\">Keystore password</label><br><input id=\"publisher-password\" name=\"password\" type=\"password\" autocomplete=\"off\" required aria-describedby=\"publisher-password-help\"></p>")
            .Append("<p id=\"publisher-password-help\">Used once to open the key; it is not stored. A silo restarted later needs a password file for the account (ask your platform admin).</p>")
            .Append("<p><button type=\"submit\">Add from keystore</button></p></fieldset></form>");
        // Publisher accounts are generated in this process's own custody (POST /api/v1/tenants/{id}/publishers), so only
        // its backends are offered here, not those of other silos.
        List<string> backends = http.RequestServices.GetService<KeyCustody>() is { } custody
            ? [.. new[] { Hosting.Contracts.Telemetry.SigningBackend.Pkcs11, Hosting.Contracts.Telemetry.SigningBackend.AzureKeyVault }.Where(custody.CanGenerate).Select(KeyNames.Of)]
            : [];
        if (backends.Count > 0)
        {
            var options = string.Concat(backends.Select(b => $"<option value=\"{E(b)}\">{(b == "pkcs11" ? "PKCS#11 HSM" : "Azure Key Vault")}</option>"));
            forms.Append("<form method=\"post\" action=\"/operator/publishers/add\"><!--csrf--><fieldset><legend>Generate in the HSM or vault</legend>")
                .Append($"<p><label for=\"publisher-backend\">Where</label><br><select id=\"publisher-backend\" name=\"backend\">{options}</select></p>")
                .Append("<p><label for=\"publisher-label\">Key label (optional)</label><br><input id=\"publisher-label\" name=\"label\" maxlength=\"64\" pattern=\"[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}\"></p>")
                .Append("<p><button type=\"submit\">Generate the account</button></p></fieldset></form>");
        }
        return forms.ToString();
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        var publishers = await PublisherEndpoints.ReadAsync(grains, tenant);
        var runtime = await PublisherEndpoints.CustodyKeysAsync(http.RequestServices, grains, tenant, http.RequestAborted);
        var body = new StringBuilder();
        if (publishers.Count == 0)
        {
            body.Append("<p class=\"empty\">No publisher accounts yet. A publisher is the L1 account that pays for and sends your registrations, exits and proposals; add one below.</p>")
                .Append(AddForms(http));
            return Html(http, "Publisher accounts", body.ToString(), tenant);
        }
        var short_ = publishers.Where(p => p.Underfunded).ToList();
        if (short_.Count > 0)
        {
            body.Append($"<p role=\"alert\"><strong>Underfunded:</strong> {string.Join(", ", short_.Select(p => $"<code>{p.Publisher}</code>"))} cannot pay for a typical transaction at today's fees; "
                + "sends through it are refused until it is funded.</p>");
        }
        body.Append("<table><caption>Publisher accounts</caption><thead><tr><th scope=\"col\">Account</th><th scope=\"col\">L1 balance (ETH)</th><th scope=\"col\">Funding</th>")
            .Append("<th scope=\"col\">Next nonce</th><th scope=\"col\">Sent</th><th scope=\"col\">Fee bumps</th><th scope=\"col\">Pending transactions</th><th scope=\"col\">Remove</th></tr></thead><tbody>");
        foreach (var p in publishers)
        {
            body.Append($"<tr><td><code>{p.Publisher}</code></td><td>{E(TokenAmount.Format(p.Balance))}</td>")
                .Append(p.Underfunded ? "<td><strong>Low: fund this account</strong></td>" : "<td>OK</td>")
                .Append($"<td>{p.NextNonce}</td><td>{p.Sent}</td><td>{p.Bumped}</td><td>");
            if (p.Pending.Count == 0)
            {
                body.Append("none");
            }
            else
            {
                body.Append("<ul>");
                foreach (var t in p.Pending)
                {
                    body.Append($"<li>nonce {t.Nonce}: {E(t.Purpose)} <code>{t.Hash}</code>{(t.Bumps > 0 ? $", bumped {t.Bumps}×" : "")}, max fee {t.MaxFeePerGas.ToString(CultureInfo.InvariantCulture)} wei/gas</li>");
                }
                body.Append("</ul>");
            }
            body.Append("</td><td>");
            // Only accounts added here (keys in custody); one loaded from the silo's configuration is removed there.
            if (runtime.ContainsKey(p.Publisher))
            {
                body.Append($"<form method=\"post\" action=\"/operator/publishers/remove\"><!--csrf--><input type=\"hidden\" name=\"address\" value=\"{p.Publisher}\">")
                    .Append($"<button type=\"submit\" aria-label=\"Remove publisher account {p.Publisher}\">Remove</button></form>");
            }
            else
            {
                body.Append("from configuration");
            }
            body.Append("</td></tr>");
        }
        body.Append("</tbody></table><p>Balances are read from L1 at each view; a transaction stays pending until it is mined and confirmation-deep. "
                + "An account is removed only with nothing pending: its key stops signing, is deleted from custody (its history kept) and, when the platform generated it, destroyed in the HSM or vault.</p>")
            .Append(AddForms(http));
        return Html(http, "Publisher accounts", body.ToString(), tenant);
    }
}
