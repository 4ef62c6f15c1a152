using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;

namespace Hosting.Prover;

/// <summary>The platform's proof-boost endpoints (docs/slot-pipeline.md): POST a quote, GET the authorisation, ask about backup.</summary>
/// <remarks><paramref name="agentToken"/>: the platform's prover agent token, sent only with the backup question (the one
/// call that needs it); null for an agent that never asks.</remarks>
public sealed class PlatformClient(HttpClient http, string? agentToken = null)
{
    public enum QuoteResult
    {
        Kept,
        SlotNotHosted,
        Refused,
    }

    /// <summary>Sends the signed quote; the platform's words when it was not kept.</summary>
    public async Task<(QuoteResult Result, string Detail)> QuoteAsync(ProverQuote quote, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"api/v1/slots/{quote.Slot}/quotes", UriKind.Relative), new
        {
            prover = quote.Prover.ToString(),
            fee = quote.Fee.ToString(CultureInfo.InvariantCulture),
            bond = quote.Bond.ToString(CultureInfo.InvariantCulture),
            expiryBlock = quote.ExpiryBlock,
            signature = quote.Signature?.ToString(),
        }, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Accepted => (QuoteResult.Kept, "kept"),
            HttpStatusCode.NotFound => (QuoteResult.SlotNotHosted, await ProblemAsync(response, cancellationToken)),
            >= HttpStatusCode.InternalServerError => throw new HttpRequestException($"the platform answered {(int)response.StatusCode}: {await ProblemAsync(response, cancellationToken)}"),
            _ => (QuoteResult.Refused, $"{(int)response.StatusCode} {await ProblemAsync(response, cancellationToken)}"),
        };
    }

    /// <summary>The authorisation once the platform chose this prover; null while it has not.</summary>
    public async Task<CommitmentAuthorisation?> AuthorisationAsync(ulong slot, Address prover, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"api/v1/slots/{slot}/authorisations/{prover}", UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the platform answered {(int)response.StatusCode}: {await ProblemAsync(response, cancellationToken)}");
        }
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = body.RootElement;
        return new CommitmentAuthorisation(
            root.GetProperty("slot").GetUInt64(),
            Address.Parse(root.GetProperty("sequencer").GetString()!),
            Address.Parse(root.GetProperty("prover").GetString()!),
            Hash32.Parse(root.GetProperty("blockHash").GetString()!),
            BigInteger.Parse(root.GetProperty("bond").GetString()!, CultureInfo.InvariantCulture),
            Signature.Parse(root.GetProperty("signature").GetString()!));
    }

    /// <summary>
    /// The platform's answer to "may I submit a backup block for this slot" (its verdict: submit, skip, not-hosted,
    /// not-known-yet, and why). Throws when the platform does not answer: the caller must then not submit.
    /// </summary>
    public async Task<(string Verdict, string Reason)> BackupAnswerAsync(ulong slot, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/slots/{slot}/backup", UriKind.Relative));
        if (agentToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", agentToken);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the platform answered {(int)response.StatusCode}: {await ProblemAsync(response, cancellationToken)}");
        }
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (body.RootElement.GetProperty("verdict").GetString() ?? "", body.RootElement.GetProperty("reason").GetString() ?? "");
    }

    /// <summary>The problem's detail and field errors, as one line.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            var parts = new List<string>();
            if (root.TryGetProperty("detail", out var detail))
            {
                parts.Add(detail.GetString() ?? "");
            }
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString()))}"));
            }
            return parts.Count > 0 ? string.Join("; ", parts) : text;
        }
        catch (JsonException)
        {
            return text.Length > 300 ? text[..300] : text;
        }
    }
}
