using System.Text;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Hosting.Portal.Pages.OperatorPages;

namespace Hosting.Portal.Pages;

/// <summary>
/// The tenant's settings page: the upgrade signal its proposals carry and its proof-boost policy. The forms are
/// parsed and checked by the same code as their APIs (<see cref="UpgradeSignalEndpoints.Parse"/>,
/// <see cref="ProverPolicyEndpoints.Parse"/>), so a value the API refuses is refused here with the same words.
/// </summary>
public static class TenantSettingsPages
{
    private const string Path = "/operator/settings";

    public static RouteGroupBuilder MapTenantSettingsPages(this RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/settings", ShowAsync);
        signedIn.MapPost("/settings/upgrade-signal", SetSignalAsync);
        signedIn.MapPost("/settings/prover-policy", SetPolicyAsync);
        return signedIn;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        var signal = await grains.GetGrain<IUpgradeSignalGrain>(tenant).GetAsync();
        var policy = ProverPolicyResponse.From(await grains.GetGrain<IProverPolicyGrain>(tenant).GetAsync());
        var body = new StringBuilder();

        body.Append("<section aria-labelledby=\"signal-heading\"><h2 id=\"signal-heading\">Upgrade signal</h2>")
            .Append($"<p>Your proposals signal <code>{E(signal.Tenant.ToString())}</code>{(IsZero(signal.Tenant) ? " (zero: they abstain)" : "")}.</p>");
        if (signal.Sequencers.Count == 0)
        {
            body.Append("<p class=\"empty\">No sequencer signals differently from the tenant.</p>");
        }
        else
        {
            body.Append("<table><caption>Sequencers that signal their own payload</caption><thead><tr><th scope=\"col\">Sequencer</th><th scope=\"col\">Payload</th></tr></thead><tbody>");
            foreach (var one in signal.Sequencers)
            {
                body.Append($"<tr><td><code>{one.Sequencer}</code></td><td><code>{one.Payload}</code></td></tr>");
            }
            body.Append("</tbody></table>");
        }
        body.Append($"<form method=\"post\" action=\"{Path}/upgrade-signal\"><!--csrf--><fieldset><legend>Set the upgrade signal</legend>")
            .Append("<p><label for=\"payload\">Payload id</label><br><input id=\"payload\" name=\"payload\" required size=\"70\" aria-describedby=\"payload-help\" placeholder=\"0x + 64 hex digits\"></p>")
            .Append("<p id=\"payload-help\">0x and 64 hex digits; all zeros abstains (or, for one sequencer, falls back to the tenant's).</p>")
            .Append("<p><label for=\"sequencer\">Only for sequencer (optional)</label><br><input id=\"sequencer\" name=\"sequencer\" size=\"44\" placeholder=\"leave empty for the whole tenant\"></p>")
            .Append("<p><button type=\"submit\">Save the upgrade signal</button></p></fieldset></form></section>");

        body.Append("<section aria-labelledby=\"policy-heading\"><h2 id=\"policy-heading\">Proof-boost policy</h2>")
            .Append("<p>Which provers' quotes your slots accept and in what order; a change applies to the next slot's choice.</p>")
            .Append($"<form method=\"post\" action=\"{Path}/prover-policy\"><!--csrf--><fieldset><legend>Prover policy</legend>")
            .Append($"<p><label for=\"minimumBond\">Minimum bond (wei)</label><br><input id=\"minimumBond\" name=\"minimumBond\" inputmode=\"numeric\" value=\"{E(policy.MinimumBond)}\"></p>")
            .Append($"<p><label for=\"maximumFee\">Maximum fee (wei, empty for no limit)</label><br><input id=\"maximumFee\" name=\"maximumFee\" inputmode=\"numeric\" value=\"{E(policy.MaximumFee)}\"></p>")
            .Append($"<p><input type=\"checkbox\" id=\"requireCleanRecord\" name=\"requireCleanRecord\" value=\"true\"{(policy.RequireCleanRecord ? " checked" : "")}> <label for=\"requireCleanRecord\">Only provers with a clean record</label></p>")
            .Append($"<p><label for=\"allowedProvers\">Allowed provers (one address a line; empty allows any)</label><br><textarea id=\"allowedProvers\" name=\"allowedProvers\" rows=\"3\" cols=\"46\">{E(string.Join('\n', policy.AllowedProvers))}</textarea></p>")
            .Append($"<p><label for=\"blockedProvers\">Blocked provers (one address a line)</label><br><textarea id=\"blockedProvers\" name=\"blockedProvers\" rows=\"3\" cols=\"46\">{E(string.Join('\n', policy.BlockedProvers))}</textarea></p>")
            .Append("<p><label for=\"preference\">Preference</label><br><select id=\"preference\" name=\"preference\">")
            .Append($"<option value=\"lowest-fee\"{(policy.Preference == "lowest-fee" ? " selected" : "")}>lowest fee</option>")
            .Append($"<option value=\"highest-bond\"{(policy.Preference == "highest-bond" ? " selected" : "")}>highest bond</option></select></p>")
            .Append("<p><label for=\"backup\">Backup blocks</label><br><select id=\"backup\" name=\"backup\" aria-describedby=\"backup-help\">")
            .Append($"<option value=\"submit\"{(policy.Backup == "submit" ? " selected" : "")}>the platform's provers submit them</option>")
            .Append($"<option value=\"never\"{(policy.Backup == "never" ? " selected" : "")}>never from the platform</option></select></p>")
            .Append($"<p><label for=\"maxAuthorisationsPerSlot\">Most provers authorised per slot (1-64; empty for the platform's bound)</label><br><input id=\"maxAuthorisationsPerSlot\" name=\"maxAuthorisationsPerSlot\" type=\"number\" min=\"1\" max=\"64\" inputmode=\"numeric\" aria-describedby=\"bound-help\" value=\"{policy.MaxAuthorisationsPerSlot?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""}\"></p>")
            .Append("<p id=\"bound-help\">The chosen prover plus the fallbacks your sequencer may authorise if it does not commit; the signing gate refuses more. The platform's own bound is the ceiling.</p>")
            .Append("<p id=\"backup-help\">When one of your slots fails (no proposal, commitment, reveal or proof), anyone may submit a backup block and takes the whole reward; your sequencer side is paid nothing either way. With \"never\" the platform's own provers leave it to others.</p>")
            .Append("<p><button type=\"submit\">Save the prover policy</button></p></fieldset></form></section>");
        return Html(http, "Settings", body.ToString(), tenant);
    }

    private static async Task<IResult> SetSignalAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var tenant = Tenant(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (payload, sequencer, field, message) = UpgradeSignalEndpoints.Parse(new SetUpgradeSignalRequest(form["payload"].ToString().Trim(), form["sequencer"].ToString().Trim()));
        if (field is not null)
        {
            return FormOutcome.RedirectWith(http, Path, $"Upgrade signal not saved: {message}", failed: true);
        }
        if (await UpgradeSignalEndpoints.NotHostedAsync(grains, tenant, sequencer) is { } notHosted)
        {
            return FormOutcome.RedirectWith(http, Path, $"Upgrade signal not saved: {notHosted}", failed: true);
        }
        await grains.GetGrain<IUpgradeSignalGrain>(tenant).SetAsync(sequencer, payload);
        return FormOutcome.RedirectWith(http, Path, sequencer is { } one
            ? $"Sequencer {one} now signals {payload}."
            : $"Your proposals now signal {payload}.");
    }

    private static async Task<IResult> SetPolicyAsync(HttpContext http, IGrainFactory grains)
    {
        if (await StaleFormAsync(http) is { } stale)
        {
            return stale;
        }
        var tenant = Tenant(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var maximumFee = form["maximumFee"].ToString().Trim();
        var request = new SetProverPolicyRequest(
            form["minimumBond"].ToString().Trim() is { Length: > 0 } bond ? bond : null,
            maximumFee.Length > 0 ? maximumFee : null,
            form["requireCleanRecord"].ToString() == "true",
            Lines(form["allowedProvers"].ToString()),
            Lines(form["blockedProvers"].ToString()),
            form["preference"].ToString(),
            form["backup"].ToString(),
            null);
        var boundText = form["maxAuthorisationsPerSlot"].ToString().Trim();
        if (boundText.Length > 0)
        {
            if (!int.TryParse(boundText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bound))
            {
                return FormOutcome.RedirectWith(http, Path, $"Prover policy not saved ({Label("maxAuthorisationsPerSlot")}): '{boundText}' is not a whole number from 1 to 64.", failed: true);
            }
            request = request with { MaxAuthorisationsPerSlot = bound };
        }
        var (policy, field, message) = ProverPolicyEndpoints.Parse(request);
        if (policy is null)
        {
            return FormOutcome.RedirectWith(http, Path, $"Prover policy not saved ({Label(field)}): {message}", failed: true);
        }
        await grains.GetGrain<IProverPolicyGrain>(tenant).SetAsync(policy);
        return FormOutcome.RedirectWith(http, Path, "Prover policy saved; it applies from the next slot's choice of prover.");
    }

    private static List<string> Lines(string text) =>
        [.. text.Split(['\n', '\r', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string Label(string? field) => field switch
    {
        "minimumBond" => "Minimum bond",
        "maximumFee" => "Maximum fee",
        "allowedProvers" => "Allowed provers",
        "blockedProvers" => "Blocked provers",
        "preference" => "Preference",
        "backup" => "Backup blocks",
        "maxAuthorisationsPerSlot" => "Most provers authorised per slot",
        _ => field ?? "",
    };

    private static bool IsZero(Hash32 hash) => hash.ToString().Trim('0', 'x').Length == 0;
}
