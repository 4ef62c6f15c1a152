using System.Globalization;
using System.Text;
using Hosting.Portal.Chain;
using Hosting.Portal.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Hosting.Portal.Pages.OperatorPages;

namespace Hosting.Portal.Pages;

/// <summary>
/// The tenant's publisher accounts: each one's L1 balance, its transactions still pending, and a warning when
/// the balance cannot pay for a typical transaction (the publisher grain's own test, the one that refuses a send).
/// </summary>
public static class PublisherPages
{
    public static RouteGroupBuilder MapPublisherPages(this RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/publishers", ShowAsync);
        return signedIn;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        var publishers = await PublisherEndpoints.ReadAsync(grains, tenant);
        var body = new StringBuilder();
        if (publishers.Count == 0)
        {
            body.Append("<p class=\"empty\">No publisher accounts yet. A publisher is the L1 account that pays for and sends your registrations, exits and proposals; ask your platform admin to attach one to your tenant.</p>");
            return Html(http, "Publisher accounts", body.ToString(), tenant);
        }
        var short_ = publishers.Where(p => p.Underfunded).ToList();
        if (short_.Count > 0)
        {
            body.Append($"<p role=\"alert\"><strong>Underfunded:</strong> {string.Join(", ", short_.Select(p => $"<code>{p.Publisher}</code>"))} cannot pay for a typical transaction at today's fees; "
                + "sends through it are refused until it is funded.</p>");
        }
        body.Append("<table><caption>Publisher accounts</caption><thead><tr><th scope=\"col\">Account</th><th scope=\"col\">L1 balance (ETH)</th><th scope=\"col\">Funding</th>")
            .Append("<th scope=\"col\">Next nonce</th><th scope=\"col\">Sent</th><th scope=\"col\">Fee bumps</th><th scope=\"col\">Pending transactions</th></tr></thead><tbody>");
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
            body.Append("</td></tr>");
        }
        body.Append("</tbody></table><p>Balances are read from L1 at each view; a transaction stays pending until it is mined and confirmation-deep.</p>");
        return Html(http, "Publisher accounts", body.ToString(), tenant);
    }
}
