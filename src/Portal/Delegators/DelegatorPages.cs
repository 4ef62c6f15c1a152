using System.Net;
using System.Numerics;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Delegators;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Portal.Access;
using Hosting.Portal.Chain;
using Hosting.Portal.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Delegators;

/// <summary>
/// Server-rendered pages for delegators, who sign in with their wallet (EIP-4361) and hold no tenant: the
/// sequencers open for delegation, one sequencer with delegate / undelegate / claim forms, and their own
/// positions, pending withdrawals (unlock block and estimated time) and rewards. The portal prepares every L1
/// call; the wallet in the page signs and sends it; the page follows its receipt.
/// </summary>
public static class DelegatorPages
{
    public const string CookieScheme = "delegator";
    public const string Policy = "delegator";
    public const string AddressClaim = "eth_address";
    private const int PageSize = 50;

    public static IEndpointRouteBuilder MapDelegatorPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("/delegator").ExcludeFromDescription();
        pages.MapGet("/sign-in", (HttpContext http) => Html(http, "Sign in with Ethereum", SignInBody(http), null));
        pages.MapGet("/siwe/nonce", IssueNonceAsync).RequireRateLimiting(SiweNonceRateLimit.Policy);
        pages.MapPost("/siwe/verify", VerifyAsync);
        var signedIn = pages.MapGroup("").RequireAuthorization(Policy);
        signedIn.MapPost("/sign-out", async (HttpContext http) =>
        {
            if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            {
                return Html(http, "Form expired", "<p role=\"alert\">That form was stale or not sent from this portal; nothing was done.</p>", Me(http), StatusCodes.Status400BadRequest);
            }
            await http.SignOutAsync(CookieScheme);
            return Results.Redirect("/delegator/sign-in");
        });
        signedIn.MapGet("", DashboardAsync);
        signedIn.MapGet("/sequencers", BrowseAsync);
        signedIn.MapGet("/sequencer", (string? address) => Address.TryParse(address?.Trim(), out var a)
            ? Results.Redirect($"/delegator/sequencers/{a}")
            : Results.Redirect("/delegator/sequencers?lookup=invalid"));
        signedIn.MapGet("/sequencers/{address}", SequencerAsync);
        signedIn.MapPost("/calls", PrepareAsync);
        signedIn.MapGet("/transactions/{hash}", TransactionAsync);
        return routes;
    }

    private static async Task<IResult> IssueNonceAsync(HttpContext http, string? address)
    {
        if (Chain(http) is not { } chain)
        {
            return NoL1();
        }
        Address? who = null;
        if (address is not null)
        {
            if (!Address.TryParse(address, out var parsed))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["address"] = [$"'{address}' is not an address: expected 0x followed by 40 hex digits."] });
            }
            who = parsed;
        }
        if (await http.RequestServices.GetRequiredService<ISiweNonces>().IssueAsync() is not { } issued)
        {
            return Results.Problem(title: "Too many sign-ins in progress", detail: "Too many unused nonces are outstanding; try again in a few minutes.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new NonceAnswer(issued.Nonce, issued.ExpiresAt, chain.ChainId, who?.ToChecksumString()));
    }

    private static async Task<IResult> VerifyAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (Chain(http) is not { } chain)
        {
            return NoL1();
        }
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Problem(title: "Stale page", detail: "The sign-in did not come from a page this portal served (antiforgery token missing or stale): reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
        }
        SignInRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<SignInRequest>(http.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is not { Message.Length: > 0, Signature.Length: > 0 })
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["Send {\"message\": the EIP-4361 text, \"signature\": its personal_sign signature as hex}."] });
        }
        SiweMessage message;
        try
        {
            message = await http.RequestServices.GetRequiredService<SiweVerifier>().VerifyAsync(request.Message, request.Signature, http.Request.Host.Value ?? "", chain.ChainId);
        }
        catch (SiweException refused)
        {
            return Results.Problem(title: "Sign-in refused", detail: $"Sign-in refused: {refused.Field}: {refused.Reason}.", statusCode: StatusCodes.Status401Unauthorized,
                extensions: new Dictionary<string, object?> { ["field"] = refused.Field });
        }
        var identity = new ClaimsIdentity([new Claim(AddressClaim, message.Address.ToString()), new Claim(ClaimTypes.Name, message.Address.ToChecksumString())], CookieScheme);
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            ExpiresUtc = message.ExpirationTime,
            IsPersistent = false,
            AllowRefresh = false,
        });
        return Results.Ok(new { address = message.Address.ToChecksumString() });
    }

    private static async Task<IResult> DashboardAsync(HttpContext http, IGrainFactory grains)
    {
        var me = Me(http);
        if (Chain(http) is not { } chain)
        {
            return Html(http, "Your delegations", NoL1Notice, me, StatusCodes.Status503ServiceUnavailable);
        }
        var view = await grains.GetGrain<IDelegatorGrain>(me.ToString()).GetAsync();
        var clock = await chain.ClockAsync();
        var config = await chain.ConfigAsync();
        var balance = await chain.BalanceAsync(me);
        var rewarded = view.Positions.Select(p => p.Sequencer).Concat(view.PendingWithdrawals.Select(w => w.Sequencer)).Distinct().ToList();
        var rewards = (await Task.WhenAll(rewarded.Select(s => chain.PendingRewardsAsync(me, s)))).Zip(rewarded, (r, s) => (s, r)).ToDictionary(x => x.s, x => x.r);

        var body = new StringBuilder();
        body.Append($"<p>Wallet balance: <strong>{TokenAmount.Format(balance)}</strong> tokens. Head block {clock.Head}, about {clock.SecondsPerBlock:0.#} s a block. ")
            .Append($"<a href=\"/delegator/sequencers\">Browse sequencers open for delegation</a>.</p>");

        body.Append("<h2>Positions</h2>");
        if (view.Positions.Count == 0)
        {
            body.Append("<p class=\"empty\">No delegations yet. <a href=\"/delegator/sequencers\">Browse sequencers open for delegation</a>.</p>");
        }
        else
        {
            body.Append("<table><caption>Stake you delegate, as L1 confirmed it</caption><thead><tr><th scope=\"col\">Sequencer</th><th scope=\"col\">Delegated (tokens)</th><th scope=\"col\">Rewards to claim (tokens)</th></tr></thead><tbody>");
            foreach (var position in view.Positions)
            {
                body.Append($"<tr><td><a href=\"/delegator/sequencers/{position.Sequencer}\"><code>{position.Sequencer}</code></a></td><td>{TokenAmount.Format(position.Amount)}</td><td>{TokenAmount.Format(rewards.GetValueOrDefault(position.Sequencer))}</td></tr>");
            }
            body.Append("</tbody></table>");
        }
        var orphanRewards = rewards.Where(r => r.Value > 0 && view.Positions.All(p => p.Sequencer != r.Key)).ToList();
        foreach (var (sequencer, amount) in orphanRewards)
        {
            body.Append($"<p>{TokenAmount.Format(amount)} tokens of rewards wait at <a href=\"/delegator/sequencers/{sequencer}\"><code>{sequencer}</code></a>, where you no longer delegate.</p>");
        }

        body.Append("<h2>Pending withdrawals</h2>");
        if (view.PendingWithdrawals.Count == 0)
        {
            body.Append($"<p class=\"empty\">Nothing waiting. Undelegated stake unlocks {config.ExitDelayBlocks} blocks after you undelegate, then you withdraw it here.</p>");
        }
        else
        {
            body.Append("<table><caption>Undelegated stake and when it unlocks</caption><thead><tr><th scope=\"col\">Sequencer</th><th scope=\"col\">Amount (tokens)</th><th scope=\"col\">Unlock block</th><th scope=\"col\">Unlocks</th></tr></thead><tbody>");
            foreach (var w in view.PendingWithdrawals.OrderBy(w => w.UnlockBlock))
            {
                var when = w.UnlockBlock <= clock.Head ? "unlocked: withdraw it now" : clock.Countdown(w.UnlockBlock);
                body.Append($"<tr><td><code>{w.Sequencer}</code></td><td>{TokenAmount.Format(w.Amount)}</td><td>{w.UnlockBlock}</td><td>{E(when)}</td></tr>");
            }
            body.Append("</tbody></table>");
            var unlocked = view.PendingWithdrawals.Where(w => w.UnlockBlock <= clock.Head).Aggregate(BigInteger.Zero, (s, w) => s + w.Amount);
            body.Append(unlocked > 0
                ? $"<form data-l1-action=\"withdraw\"><p><button type=\"submit\">Withdraw unlocked stake</button> ({TokenAmount.Format(unlocked)} tokens)</p></form>"
                : "<p>Nothing is unlocked yet.</p>");
        }
        return Html(http, "Your delegations", body.ToString(), me, withActions: true);
    }

    private static async Task<IResult> BrowseAsync(HttpContext http, ulong? offset, string? lookup)
    {
        var me = Me(http);
        if (Chain(http) is not { } chain)
        {
            return Html(http, "Sequencers open for delegation", NoL1Notice, me, StatusCodes.Status503ServiceUnavailable);
        }
        var body = new StringBuilder();
        if (lookup == "invalid")
        {
            body.Append("<p role=\"alert\">That is not an address: use 0x followed by 40 hex digits.</p>");
        }
        body.Append("<form method=\"get\" action=\"/delegator/sequencer\" role=\"search\"><label for=\"address\">Sequencer address</label> ")
            .Append("<input id=\"address\" name=\"address\" size=\"44\" required placeholder=\"0x…\"> <button type=\"submit\">Look up</button></form>");
        var page = await chain.OpenSequencersAsync(offset ?? 0, PageSize);
        var config = await chain.ConfigAsync();
        if (page.Items.Count == 0)
        {
            body.Append(page.Listed == 0
                ? "<p class=\"empty\">No sequencer is registered on L1 yet.</p>"
                : "<p class=\"empty\">No active sequencer in this part of the list (queued ones take delegations too: look one up by address).</p>");
        }
        else
        {
            body.Append($"<p>Active sequencers take delegations; one is eligible for elections while its own plus delegated stake is at least {TokenAmount.Format(config.MinStake)} tokens.</p>")
                .Append("<table><caption>Sequencers open for delegation</caption><thead><tr><th scope=\"col\">Sequencer</th><th scope=\"col\">Status</th><th scope=\"col\">Commission</th><th scope=\"col\">Own stake (tokens)</th><th scope=\"col\">Delegated stake (tokens)</th><th scope=\"col\">Eligible</th></tr></thead><tbody>");
            foreach (var s in page.Items)
            {
                body.Append($"<tr><td><a href=\"/delegator/sequencers/{s.Sequencer}\"><code>{s.Sequencer}</code></a></td><td>{Status(s.Status)}</td><td>{s.CommissionBps / 100.0:0.##} %</td>")
                    .Append($"<td>{TokenAmount.Format(s.OwnStake)}</td><td>{TokenAmount.Format(s.DelegatedStake)}</td><td>{(s.Eligible ? "yes" : "no")}</td></tr>");
            }
            body.Append("</tbody></table>");
        }
        body.Append("<nav aria-label=\"Pages\">");
        if (offset is > 0)
        {
            body.Append($"<a rel=\"prev\" href=\"/delegator/sequencers?offset={(offset.Value > PageSize ? offset.Value - PageSize : 0)}\">Previous</a> ");
        }
        if (page.Next < page.Listed)
        {
            body.Append($"<a rel=\"next\" href=\"/delegator/sequencers?offset={page.Next}\">Next</a>");
        }
        body.Append("</nav>");
        return Html(http, "Sequencers open for delegation", body.ToString(), me);
    }

    private static async Task<IResult> SequencerAsync(HttpContext http, string address)
    {
        var me = Me(http);
        if (Chain(http) is not { } chain)
        {
            return Html(http, "Sequencer", NoL1Notice, me, StatusCodes.Status503ServiceUnavailable);
        }
        if (!Address.TryParse(address, out var sequencer))
        {
            return Html(http, "Unknown sequencer", $"<p role=\"alert\"><code>{E(address)}</code> is not an address: use 0x followed by 40 hex digits. <a href=\"/delegator/sequencers\">Back to the sequencers</a></p>", me, StatusCodes.Status400BadRequest);
        }
        var offer = await chain.SequencerAsync(sequencer);
        var clock = await chain.ClockAsync();
        var position = await chain.Registry.PositionOfAsync(me, sequencer);
        var rewards = await chain.PendingRewardsAsync(me, sequencer);
        var config = await chain.ConfigAsync();
        var rows = new List<(string, string)>
        {
            ("Status", Status(offer.Status)),
            ("Commission", $"{offer.CommissionBps / 100.0:0.##} % of its rewards to the operator, the rest to stakers pro rata"),
            ("Own stake (tokens)", TokenAmount.Format(offer.OwnStake)),
            ("Delegated stake (tokens)", TokenAmount.Format(offer.DelegatedStake)),
            ("Eligible for elections", offer.Eligible ? "yes" : "no"),
        };
        if (offer.Status == SequencerStatus.Queued)
        {
            rows.Add(("Active from block", $"{offer.ActiveFrom}: {clock.Countdown(offer.ActiveFrom)}"));
        }
        if (offer.ExitableAt is { } exitable)
        {
            rows.Add(("Exit completes from block", $"{exitable}: {clock.Countdown(exitable)}"));
        }
        rows.Add(("Your delegation (tokens)", TokenAmount.Format(position)));
        rows.Add(("Your rewards to claim (tokens)", TokenAmount.Format(rewards)));
        var body = new StringBuilder("<dl>");
        foreach (var (label, value) in rows)
        {
            body.Append($"<dt>{label}</dt><dd>{E(value)}</dd>");
        }
        body.Append("</dl>");
        if (offer.Status is SequencerStatus.Queued or SequencerStatus.Active)
        {
            body.Append($"<form data-l1-action=\"delegate\" data-sequencer=\"{sequencer}\"><fieldset><legend>Delegate</legend>")
                .Append("<p><label for=\"delegate-amount\">Amount to delegate (tokens)</label><br><input id=\"delegate-amount\" name=\"amount\" inputmode=\"decimal\" required aria-describedby=\"delegate-help\"></p>")
                .Append("<p id=\"delegate-help\">Your wallet is asked to approve the registry for the amount first when its allowance is short, then to delegate.</p>")
                .Append("<p><button type=\"submit\">Delegate</button></p></fieldset></form>");
        }
        else
        {
            body.Append($"<p class=\"empty\">This sequencer is {Status(offer.Status)}: it takes no delegations.</p>");
        }
        if (position > 0)
        {
            body.Append($"<form data-l1-action=\"undelegate\" data-sequencer=\"{sequencer}\"><fieldset><legend>Undelegate</legend>")
                .Append("<p><label for=\"undelegate-amount\">Amount to undelegate (tokens)</label><br><input id=\"undelegate-amount\" name=\"amount\" inputmode=\"decimal\" required aria-describedby=\"undelegate-help\"></p>")
                .Append($"<p id=\"undelegate-help\">It stops counting at once and unlocks {config.ExitDelayBlocks} blocks later (about {TimeSpan.FromSeconds(config.ExitDelayBlocks * clock.SecondsPerBlock).TotalMinutes:0.#} min at the current pace); then withdraw it from <a href=\"/delegator\">your delegations</a>.</p>")
                .Append("<p><button type=\"submit\">Undelegate</button></p></fieldset></form>");
        }
        if (rewards > 0)
        {
            body.Append($"<form data-l1-action=\"claim\" data-sequencer=\"{sequencer}\"><p><button type=\"submit\">Claim rewards</button> ({TokenAmount.Format(rewards)} tokens)</p></form>");
        }
        body.Append("<p><a href=\"/delegator/sequencers\">Back to the sequencers</a> · <a href=\"/delegator\">Your delegations</a></p>");
        return Html(http, $"Sequencer {sequencer}", body.ToString(), me, withActions: true);
    }

    private static async Task<IResult> PrepareAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (Chain(http) is not { } chain)
        {
            return NoL1();
        }
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Problem(title: "Stale page", detail: "The request did not come from a page this portal served (antiforgery token missing or stale): reload the page.", statusCode: StatusCodes.Status400BadRequest);
        }
        CallRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<CallRequest>(http.RequestAborted);
        }
        catch (JsonException exception)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { [exception.Path ?? "$"] = ["The body is not the JSON {\"action\", \"sequencer\", \"amount\"}."] });
        }
        var errors = new Dictionary<string, string[]>();
        if (!Enum.TryParse<DelegatorAction>(request?.Action, ignoreCase: true, out var action) || !Enum.IsDefined(action) || int.TryParse(request?.Action, out _))
        {
            errors["action"] = [$"'{request?.Action}' is not an action: use delegate, undelegate, withdraw or claim."];
        }
        var sequencer = Address.Zero;
        if (action != DelegatorAction.Withdraw && !Address.TryParse(request?.Sequencer, out sequencer))
        {
            errors["sequencer"] = [$"'{request?.Sequencer}' is not a sequencer address: expected 0x followed by 40 hex digits."];
        }
        var amount = BigInteger.Zero;
        if (action is DelegatorAction.Delegate or DelegatorAction.Undelegate && !TokenAmount.TryParse(request?.Amount, out amount))
        {
            errors["amount"] = [$"'{request?.Amount}' is not an amount of tokens: a positive number such as 100 or 0.5, with at most 18 decimals."];
        }
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }
        var (calls, refusal) = await chain.PrepareAsync(action, Me(http), sequencer, amount);
        return calls is null
            ? Results.Problem(title: "L1 would refuse this", detail: refusal, statusCode: StatusCodes.Status409Conflict)
            : Results.Ok(new { chainId = chain.ChainId, calls = calls.Select(c => new { label = c.Label, to = c.To.ToString(), data = c.Data, value = c.Value }) });
    }

    private static async Task<IResult> TransactionAsync(HttpContext http, string hash)
    {
        if (Chain(http) is not { } chain)
        {
            return NoL1();
        }
        if (!Hash32.TryParse(hash, out var parsed))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["hash"] = [$"'{hash}' is not a transaction hash: expected 0x followed by 64 hex digits."] });
        }
        var state = await chain.StateAsync(parsed);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new { hash = state.Hash.ToString(), state = state.State, blockNumber = state.BlockNumber, confirmations = state.Confirmations, reason = state.Reason, description = state.Describe() });
    }

    private static PortalChain? Chain(HttpContext http) => http.RequestServices.GetService<PortalL1>()?.Chain;

    private static Address Me(HttpContext http) => Address.Parse(http.User.FindFirst(AddressClaim)!.Value);

    private static string Status(SequencerStatus status) => status == SequencerStatus.None ? "unregistered" : status.ToString().ToLowerInvariant();

    private const string NoL1Notice = "<p role=\"alert\">This portal follows no L1 (Hosting:L1:RpcUrls and Hosting:L1:DeploymentFile are not set), so there is nothing to delegate to.</p>";

    private static IResult NoL1() => Results.Problem(title: "No L1", detail: "This portal follows no L1 (Hosting:L1:RpcUrls and Hosting:L1:DeploymentFile are not set).", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static string SignInBody(HttpContext http) =>
        "<p>Delegators sign in with their Ethereum wallet (Sign-In with Ethereum, EIP-4361). The wallet shows a message naming this portal, "
        + "your address, the chain and a one-time nonce; signing it sends no transaction and costs nothing. The sign-in lasts 8 hours.</p>"
        + "<p><button type=\"button\" id=\"siwe\">Sign in with Ethereum</button></p>"
        + "<p role=\"alert\" id=\"siwe-error\"></p><p role=\"status\" id=\"siwe-status\"></p>"
        + "<p>Operators of sequencers sign in at <a href=\"/operator\">/operator</a> with a tenant token.</p>"
        + DelegatorScripts.SignIn;

    private static IResult Html(HttpContext http, string title, string body, Address? me, int status = StatusCodes.Status200OK, bool withActions = false)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var chainId = Chain(http)?.ChainId;
        var signedIn = me is not { } address ? ""
            : $" · signed in as <code>{address.ToChecksumString()}</code> <form method=\"post\" action=\"/delegator/sign-out\">{OperatorPages.Csrf(http)}<button type=\"submit\">Sign out</button></form>";
        var actions = withActions
            ? "<section id=\"l1\" aria-labelledby=\"l1-heading\" hidden><h2 id=\"l1-heading\">Transactions</h2><ol id=\"l1-transactions\" aria-live=\"polite\"></ol><p role=\"alert\" id=\"l1-error\"></p></section>"
              + DelegatorScripts.Actions
            : "";
        return Results.Content(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + $"<meta name=\"csrf\" data-header=\"{E(tokens.HeaderName)}\" content=\"{E(tokens.RequestToken)}\">"
            + $"<title>{E(title)} - sequencer hosting portal</title><style>{OperatorPages.Style}</style></head>"
            + $"<body data-address=\"{me}\" data-chain-id=\"{chainId}\"><header><a href=\"/delegator\">Sequencer hosting portal: delegators</a>{signedIn}</header>"
            + $"<main><h1>{E(title)}</h1>{body}{actions}</main></body></html>",
            "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private sealed record SignInRequest(string? Message, string? Signature);

    private sealed record CallRequest(string? Action, string? Sequencer, string? Amount);

    private sealed record NonceAnswer(string Nonce, DateTimeOffset ExpiresAt, ulong ChainId, string? Address);
}
