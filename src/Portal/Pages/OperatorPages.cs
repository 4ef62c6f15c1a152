using System.Net;
using System.Security.Claims;
using System.Text;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Hosting.Portal.Chain;
using Hosting.Portal.Keys;
using Hosting.Portal.Sequencers;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Pages;

/// <summary>
/// Server-rendered pages for a tenant's operators: sign in with a tenant token (kept as a tenant claim in an
/// encrypted cookie, never the token itself), the sequencer dashboard, keystore import and a sequencer's detail.
/// Plain HTML forms, no script; every form answers with a redirect to a page (<see cref="FormOutcome"/>), so a reload never posts it again.
/// </summary>
public static class OperatorPages
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string Policy = "operator";

    public static IEndpointRouteBuilder MapOperatorPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => Results.Redirect("/operator")).ExcludeFromDescription();
        var pages = routes.MapGroup("/operator").ExcludeFromDescription();
        pages.MapGet("/sign-in", (HttpContext http) => Html(http, "Sign in", SignInForm, null));
        pages.MapPost("/sign-in", SignInAsync);
        var signedIn = pages.MapGroup("").RequireAuthorization(Policy);
        signedIn.MapPost("/sign-out", async (HttpContext http) =>
        {
            if (await StaleFormAsync(http) is { } stale)
            {
                return stale;
            }
            await http.SignOutAsync(CookieScheme);
            return FormOutcome.SeeOther("/operator/sign-in");
        });
        signedIn.MapGet("", DashboardAsync);
        signedIn.MapGet("/keys/import", (HttpContext http) => Html(http, "Import a keystore", ImportForm, Tenant(http)));
        signedIn.MapPost("/keys/import", ImportAsync);
        // Two parameters: a lambda of HttpContext alone returning a Task would bind as a RequestDelegate and drop the result.
        signedIn.MapGet("/keys/generate", async (HttpContext http, IGrainFactory grains) => Html(http, "Generate a key in the HSM", await GenerateFormAsync(http, grains), Tenant(http)));
        signedIn.MapPost("/keys/generate", GenerateAsync);
        signedIn.MapGet("/sequencers/{address}", DetailAsync);
        signedIn.MapPost("/sequencers/{address}/register", (HttpContext http, string address, IGrainFactory grains) => ActAsync(http, address, grains, register: true));
        signedIn.MapPost("/sequencers/{address}/exit", (HttpContext http, string address, IGrainFactory grains) => ActAsync(http, address, grains, register: false));
        signedIn.MapPost("/sequencers/{address}/commission", CommissionAsync);
        signedIn.MapTenantSettingsPages();
        signedIn.MapPublisherPages();
        signedIn.MapSlotHistoryPages();
        return routes;
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var token = form["token"].ToString().Trim();
        if (!TenantCredential.TryParse(token, out var tenant, out var secretHash)
            || await grains.GetGrain<ITenantAccessGrain>(tenant).AuthenticateAsync(secretHash) is not { } issued)
        {
            return FormOutcome.RedirectWith(http, "/operator/sign-in", "That token is not a valid tenant token: check it was copied whole and not revoked.", failed: true);
        }
        var identity = new ClaimsIdentity(
            [new Claim(BearerTokenHandler.TenantClaim, tenant), new Claim(ClaimTypes.Name, $"{tenant}/{issued.Label}")], CookieScheme);
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
        return FormOutcome.SeeOther("/operator");
    }

    private static async Task<IResult> DashboardAsync(HttpContext http, string? status, string? search, int? page, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        var (query, problem) = SequencerEndpoints.ParseQuery(status, search, page, 50);
        var body = new StringBuilder();
        body.Append("<p><a href=\"/operator/keys/import\">Import a keystore</a> · <a href=\"/operator/keys/generate\">Generate a key in the HSM</a></p>");
        body.Append("<form method=\"get\" action=\"/operator\" role=\"search\"><label for=\"search\">Address starts with</label> ")
            .Append($"<input id=\"search\" name=\"search\" value=\"{E(search)}\" placeholder=\"0x12ab\"> ")
            .Append("<label for=\"status\">Status</label> <select id=\"status\" name=\"status\"><option value=\"\">any</option>");
        foreach (var name in SequencerStatusNames.All)
        {
            body.Append($"<option{(string.Equals(name, status, StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{name}</option>");
        }
        body.Append("</select> <button type=\"submit\">Filter</button></form>");
        if (problem is not null)
        {
            body.Append("<p role=\"alert\">That filter is not valid: use hex digits for the address and a status from the list.</p>");
            return Html(http, "Sequencers", body.ToString(), tenant, StatusCodes.Status400BadRequest);
        }
        var found = await grains.GetGrain<ITenantGrain>(tenant).ListSequencersAsync(query!);
        if (found.Total == 0)
        {
            body.Append(query!.Status is null && query.AddressPrefix.Length == 0
                ? "<p class=\"empty\">No sequencers yet. <a href=\"/operator/keys/import\">Import a keystore</a> to host your first one.</p>"
                : "<p class=\"empty\">No sequencer matches this filter. <a href=\"/operator\">Show all</a>.</p>");
            return Html(http, "Sequencers", body.ToString(), tenant);
        }
        var pages = (found.Total + found.PageSize - 1) / found.PageSize;
        body.Append($"<p>{found.Total} sequencer{(found.Total == 1 ? "" : "s")}, page {found.Page} of {pages}.</p>")
            .Append("<table><caption>Sequencers</caption><thead><tr><th scope=\"col\">Address</th><th scope=\"col\">Status</th></tr></thead><tbody>");
        foreach (var item in found.Items)
        {
            body.Append($"<tr><td><a href=\"/operator/sequencers/{item.Sequencer}\"><code>{item.Sequencer}</code></a></td><td>{SequencerStatusNames.Of(item.Status)}</td></tr>");
        }
        body.Append("</tbody></table><nav aria-label=\"Pages\">");
        string Link(int p) => $"/operator?page={p}&amp;search={WebUtility.UrlEncode(search ?? "")}&amp;status={WebUtility.UrlEncode(status ?? "")}";
        if (found.Page > 1)
        {
            body.Append($"<a rel=\"prev\" href=\"{Link(found.Page - 1)}\">Previous</a> ");
        }
        if (found.Page < pages)
        {
            body.Append($"<a rel=\"next\" href=\"{Link(found.Page + 1)}\">Next</a>");
        }
        body.Append("</nav>");
        return Html(http, "Sequencers", body.ToString(), tenant);
    }

    private static async Task<IResult> ImportAsync(HttpContext http, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        if (http.RequestServices.GetService<KeyCustody>() is not { } custody)
        {
            return FormOutcome.RedirectWith(http, "/operator/keys/import", "Key custody is not configured on this server (Hosting:Postgres:ConnectionString is missing).", failed: true);
        }
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form.Files.GetFile("keystore") is not { Length: > 0 } file)
        {
            return FormOutcome.RedirectWith(http, "/operator/keys/import", "Choose a keystore file (Web3 Secret Storage v3 JSON).", failed: true);
        }
        string json;
        using (var reader = new StreamReader(file.OpenReadStream()))
        {
            json = await reader.ReadToEndAsync(http.RequestAborted);
        }
        var who = http.User.FindFirst(ClaimTypes.Name)?.Value ?? tenant;
        var result = (await custody.RegisterKeystoresAsync(tenant, [new KeystoreInput(json, form["password"].ToString())], who, 1, http.RequestAborted))[0];
        if (result.Key is not { } key)
        {
            return FormOutcome.RedirectWith(http, "/operator/keys/import", $"Not imported: {result.Error?.Message}", failed: true);
        }
        if (await Keymanager.HostAsync(grains, tenant, key.Address) is { } refused)
        {
            return FormOutcome.RedirectWith(http, "/operator/keys/import", $"The key is in custody but not hosted: {refused}", failed: true);
        }
        return FormOutcome.RedirectWith(http, $"/operator/sequencers/{key.Address}", $"Imported sequencer {key.Address}.");
    }

    private static async Task<IResult> GenerateAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var tenant = Tenant(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var outcome = await KeyGenerationEndpoints.GenerateAsync(http.RequestServices, grains, tenant, form["backend"].ToString(), form["label"].ToString(),
            http.User.FindFirst(ClaimTypes.Name)?.Value ?? tenant, http.RequestAborted);
        return outcome.Key is { } key
            ? FormOutcome.RedirectWith(http, $"/operator/sequencers/{key.Address}", $"Generated sequencer {key.Address} inside the {(key.Backend == "pkcs11" ? "HSM" : "vault")} as {key.Url}; it is one of your sequencers now.")
            : FormOutcome.RedirectWith(http, "/operator/keys/generate", $"No key generated: {outcome.Message}", failed: true);
    }

    private static async Task<IResult> ActAsync(HttpContext http, string address, IGrainFactory grains, bool register)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var tenant = Tenant(http);
        if (!Address.TryParse(address, out var sequencer)
            || await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync() is not { } view || view.Tenant != tenant)
        {
            return FormOutcome.SeeOther($"/operator/sequencers/{Uri.EscapeDataString(address)}");
        }
        var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        string notice;
        bool failed;
        if (register)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var (registration, _, invalid) = SequencerEndpoints.ParseRegistration(new RegisterSequencerRequest(form["stake"], form["withdrawer"], form["publisher"]));
            var (done, _, refusal) = registration is null ? (null, 0, invalid) : await SequencerEndpoints.TryActAsync(() => grain.RegisterAsync(tenant, registration));
            notice = done is not null ? $"Registration sent in transaction {done.LastTransaction}; the status moves when L1 confirms." : $"Not registered: {refusal}";
            failed = done is null;
        }
        else
        {
            var (done, _, refusal) = await SequencerEndpoints.TryActAsync(() => grain.ExitAsync(tenant));
            notice = done is not null ? $"Exit sent in transaction {done.LastTransaction}; the status moves when L1 confirms." : $"Not exited: {refusal}";
            failed = done is null;
        }
        return FormOutcome.RedirectWith(http, $"/operator/sequencers/{sequencer}", notice, failed);
    }

    private static async Task<IResult> CommissionAsync(HttpContext http, string address, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        if (!Address.TryParse(address, out var sequencer))
        {
            return FormOutcome.SeeOther($"/operator/sequencers/{Uri.EscapeDataString(address)}");
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var outcome = await CommissionEndpoints.SetAsync(grains, http.RequestServices.GetService<PortalL1>()?.Chain, Tenant(http), sequencer, form["bps"].ToString().Trim());
        return FormOutcome.RedirectWith(http, $"/operator/sequencers/{sequencer}",
            outcome.Response is { } done ? done.Message : $"Commission not set: {outcome.Message}", failed: outcome.Response is null);
    }

    private static async Task<IResult> DetailAsync(HttpContext http, string address, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        if (!Address.TryParse(address, out var sequencer)
            || await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync() is not { } view
            || view.Tenant != tenant)
        {
            return Html(http, "Unknown sequencer", $"<p>You host no sequencer <code>{E(address)}</code>. <a href=\"/operator\">Back to the sequencers</a></p>", tenant, StatusCodes.Status404NotFound);
        }
        var d = SequencerDetail.From(view);
        var rows = new (string, string?)[]
        {
            ("Status", d.Status), ("Stake (wei)", d.Stake), ("Withdrawer", d.Withdrawer), ("Publisher", d.Publisher),
            ("Registered at block", d.RegisteredBlock?.ToString()), ("Active since block", d.ActivatedBlock?.ToString()),
            ("Exit started at block", d.ExitInitiatedBlock?.ToString()), ("Exit unlocks at block", d.ExitUnlockBlock?.ToString()),
            ("Exited at block", d.ExitedBlock?.ToString()), ("Last L1 transaction", d.LastTransaction),
        };
        var body = new StringBuilder();
        body.Append("<dl>");
        foreach (var (label, value) in rows)
        {
            body.Append($"<dt>{label}</dt><dd>{(value is null ? "—" : $"<code>{E(value)}</code>")}</dd>");
        }
        foreach (var (label, value) in await L1ProgressAsync(http, view))
        {
            body.Append($"<dt>{label}</dt><dd>{E(value)}</dd>");
        }
        body.Append("</dl>");
        if (view.Status is SequencerStatus.None or SequencerStatus.Exited)
        {
            body.Append($"<form method=\"post\" action=\"/operator/sequencers/{d.Address}/register\"><!--csrf--><fieldset><legend>Register on L1</legend>")
                .Append("<p><label for=\"stake\">Stake (wei)</label><br><input id=\"stake\" name=\"stake\" inputmode=\"numeric\" required></p>")
                .Append("<p><label for=\"withdrawer\">Withdrawer address</label><br><input id=\"withdrawer\" name=\"withdrawer\" required size=\"44\"></p>")
                .Append("<p><label for=\"publisher\">Publisher address (pays and sends)</label><br><input id=\"publisher\" name=\"publisher\" required size=\"44\"></p>")
                .Append("<p><button type=\"submit\">Register</button></p></fieldset></form>");
        }
        else if (view.Status == SequencerStatus.Active)
        {
            body.Append($"<form method=\"post\" action=\"/operator/sequencers/{d.Address}/exit\"><!--csrf--><p><button type=\"submit\">Start exit</button> (through the withdrawer; the stake unlocks after the exit delay)</p></form>");
        }
        if (view.Status is SequencerStatus.Queued or SequencerStatus.Active or SequencerStatus.Exiting)
        {
            var current = http.RequestServices.GetService<PortalL1>()?.Chain is { } chain ? (await chain.SequencerAsync(sequencer)).CommissionBps : (ushort?)null;
            body.Append($"<form method=\"post\" action=\"/operator/sequencers/{d.Address}/commission\"><!--csrf--><fieldset><legend>Commission</legend>")
                .Append(current is { } bps ? $"<p>Now {bps} bps ({bps / 100m:0.##} %) of each reward, kept by the withdrawer.</p>" : "")
                .Append("<p><label for=\"bps\">Commission (basis points, 100 = 1 %)</label><br><input id=\"bps\" name=\"bps\" inputmode=\"numeric\" required aria-describedby=\"bps-help\"></p>")
                .Append("<p id=\"bps-help\">Only the withdrawer may set it: the platform sends it when the withdrawer is one of your publisher accounts, otherwise it gives you the call to send from the withdrawer's wallet.</p>")
                .Append("<p><button type=\"submit\">Set commission</button></p></fieldset></form>");
        }
        body.Append("<p><a href=\"/operator\">Back to the sequencers</a></p>");
        return Html(http, $"Sequencer {d.Address}", body.ToString(), tenant);
    }

    // Where the sequencer's entry or exit stands in blocks and estimated wall-clock time, and its last
    // transaction's state, read from L1 when the portal follows one.
    private static async Task<List<(string Label, string Value)>> L1ProgressAsync(HttpContext http, SequencerView view)
    {
        var progress = new List<(string, string)>();
        if (http.RequestServices.GetService<PortalL1>()?.Chain is not { } chain)
        {
            return progress;
        }
        var clock = await chain.ClockAsync();
        if (view.Status == SequencerStatus.Queued && view.ActivationBlock is { } activation)
        {
            progress.Add(("Entry: active from block", $"{activation}: {clock.Countdown(activation)}"));
        }
        if (view.Status == SequencerStatus.Exiting && view.ExitUnlockBlock is { } unlock)
        {
            progress.Add(("Exit: stake returns from block", $"{unlock}: {clock.Countdown(unlock)}"));
        }
        if (view.LastTransaction is { } hash)
        {
            var state = await chain.StateAsync(hash);
            progress.Add(("Last L1 transaction's state", state.Describe()));
        }
        return progress;
    }

    internal static string Tenant(HttpContext http) => http.User.FindFirst(BearerTokenHandler.TenantClaim)!.Value;

    private const string SignInForm =
        "<form method=\"post\" action=\"/operator/sign-in\"><!--csrf--><p><label for=\"token\">Tenant API token</label><br>"
        + "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required size=\"60\" aria-describedby=\"token-help\"></p>"
        + "<p id=\"token-help\">A token your platform admin issued for your tenant, starting with <code>hst.</code></p>"
        + "<p><button type=\"submit\">Sign in</button></p></form>";

    private const string ImportForm =
        "<form method=\"post\" action=\"/operator/keys/import\" enctype=\"multipart/form-data\"><!--csrf-->"
        + "<p><label for=\"keystore\">Keystore file (JSON)</label><br><input id=\"keystore\" name=\"keystore\" type=\"file\" accept=\".json,application/json\" required></p>"
        + "<p><label for=\"password\">Keystore password</label><br><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"off\"></p>"
        + "<p><button type=\"submit\">Import</button></p></form><p><a href=\"/operator\">Back to the sequencers</a></p>";

    private static async Task<string> GenerateFormAsync(HttpContext http, IGrainFactory grains)
    {
        var backends = await KeyGenerationEndpoints.GeneratingBackendsAsync(http.RequestServices, grains);
        if (backends.Count == 0)
        {
            return "<p class=\"empty\">No HSM is configured on this server or on any silo of the cluster, so keys cannot be generated. The platform admin enables one with the "
                + "<code>Hosting:Keys:Pkcs11</code> (or <code>Hosting:Keys:KeyVault</code>) settings; until then, <a href=\"/operator/keys/import\">import a keystore</a>.</p><p><a href=\"/operator\">Back to the sequencers</a></p>";
        }
        var options = string.Concat(backends.Select(b => $"<option value=\"{E(b)}\">{(b == "pkcs11" ? "PKCS#11 HSM" : "Azure Key Vault")}</option>"));
        return "<p>The key is made inside the HSM and never leaves it: the platform signs your duties with it through the signing-safety gate.</p>"
            + "<form method=\"post\" action=\"/operator/keys/generate\"><!--csrf--><fieldset><legend>New sequencer key</legend>"
            + $"<p><label for=\"backend\">Where</label><br><select id=\"backend\" name=\"backend\">{options}</select></p>"
            + "<p><label for=\"label\">Key label (optional)</label><br><input id=\"label\" name=\"label\" maxlength=\"64\" pattern=\"[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}\" aria-describedby=\"label-help\"></p>"
            + "<p id=\"label-help\">How the key is named in the HSM, after your tenant's id; letters, digits, dots, dashes and underscores. Empty picks a random one.</p>"
            + "<p><button type=\"submit\">Generate the key</button></p></fieldset></form><p><a href=\"/operator\">Back to the sequencers</a></p>";
    }

    internal const string Style = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}[role=alert]{color:#a00}.empty{padding:1rem;background:#f4f4f4}header form{display:inline}";

    // Every form carries an antiforgery token (on top of the SameSite=Strict cookie): a page posts only what it served.
    internal static string Csrf(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    internal static async Task<IResult?> StaleFormAsync(HttpContext http)
    {
        if (await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            return null;
        }
        var tenant = http.User.FindFirst(BearerTokenHandler.TenantClaim)?.Value;
        return Html(http, "Form expired", "<p role=\"alert\">That form was stale or not sent from this portal; nothing was done. <a href=\"/operator\">Start again</a>.</p>", tenant, StatusCodes.Status400BadRequest);
    }

    internal static IResult Html(HttpContext http, string title, string body, string? tenant, int status = StatusCodes.Status200OK)
    {
        var signedIn = tenant is null ? ""
            : $" · tenant <strong>{E(tenant)}</strong> <nav aria-label=\"Operator\" style=\"display:inline\"><a href=\"/operator\">Sequencers</a> · <a href=\"/operator/publishers\">Publisher accounts</a> · <a href=\"/operator/slots\">Slot history</a> · <a href=\"/operator/settings\">Settings</a></nav> <form method=\"post\" action=\"/operator/sign-out\"><!--csrf--><button type=\"submit\">Sign out</button></form>";
        if (FormOutcome.Take(http) is { } outcome)
        {
            body = $"<p role=\"{(outcome.Failed ? "alert" : "status")}\">{E(outcome.Text)}</p>" + body;
        }
        return Results.Content(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + $"<title>{E(title)} - sequencer hosting portal</title><style>{Style}</style></head>"
            + $"<body><header><a href=\"/operator\">Sequencer hosting portal</a>{signedIn}</header><main><h1>{E(title)}</h1>{body}</main></body></html>".Replace("<!--csrf-->", Csrf(http), StringComparison.Ordinal),
            "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    internal static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
