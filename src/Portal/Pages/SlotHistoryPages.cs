using System.Globalization;
using System.Text;
using Hosting.Contracts.Slots;
using Hosting.Portal.Slots;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Hosting.Portal.Pages.OperatorPages;

namespace Hosting.Portal.Pages;

/// <summary>The tenant's slot history: the slots its sequencers were to propose in, newest first, with outcomes.</summary>
public static class SlotHistoryPages
{
    public static RouteGroupBuilder MapSlotHistoryPages(this RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/slots", ShowAsync);
        return signedIn;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IGrainFactory grains)
    {
        var tenant = Tenant(http);
        var entries = await grains.GetGrain<ISlotHistoryGrain>(tenant).RecentAsync(SlotHistoryEndpoints.DefaultLimit);
        var body = new StringBuilder();
        if (entries.Count == 0)
        {
            body.Append("<p class=\"empty\">No slots yet. A slot appears here once one of your active sequencers is forecast to propose in it.</p>");
            return Html(http, "Slot history", body.ToString(), tenant);
        }
        var finalised = entries.Count(e => e.Outcome == SlotOutcome.Finalised);
        var lost = entries.Count(e => e.Outcome is SlotOutcome.Missed or SlotOutcome.Outbid or SlotOutcome.Backup);
        body.Append(CultureInfo.InvariantCulture, $"<p>Last {entries.Count} slots: {finalised} finalised, {lost} missed, outbid or sent to backup.</p>")
            .Append("<table><caption>Slots, newest first</caption><thead><tr><th scope=\"col\">Slot</th><th scope=\"col\">Sequencer</th><th scope=\"col\">Outcome</th>")
            .Append("<th scope=\"col\">L2 block</th><th scope=\"col\">Proposal transaction</th><th scope=\"col\">Note</th><th scope=\"col\">Updated (UTC)</th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{e.Slot}</td><td>")
                .Append(e.Sequencer is { } s ? $"<a href=\"/operator/sequencers/{s}\"><code>{s}</code></a>" : "—")
                .Append(CultureInfo.InvariantCulture, $"</td><td>{SlotHistoryEndpoints.Name(e.Outcome)}</td><td>{(e.L2BlockNumber is { } n ? n.ToString(CultureInfo.InvariantCulture) : "—")}</td>")
                .Append($"<td>{(e.ProposalTransaction is { } t ? $"<code>{t}</code>" : "—")}</td><td>{E(e.Note)}</td><td>{e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</td></tr>");
        }
        body.Append("</tbody></table>");
        return Html(http, "Slot history", body.ToString(), tenant);
    }
}
