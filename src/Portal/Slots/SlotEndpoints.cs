using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Slots;

/// <summary>
/// Proof-boost for provers (PROTOCOL.md, "proof-boost"): a prover sends its signed quote for a slot and, once
/// chosen, fetches the canonical sequencer's commitment authorisation. No bearer token: a prover is who its
/// EIP-191 signature says, and an authorisation is useless to anyone but the prover it names (commitProver must
/// be sent from that address). The backup question is the exception: only the platform's own prover agents may ask
/// it (<see cref="ProverAgentAccess"/>), since its answer is a tenant's policy and each answer is counted.
/// </summary>
public static class SlotEndpoints
{
    public static IEndpointRouteBuilder MapSlots(this IEndpointRouteBuilder routes)
    {
        var slots = routes.MapGroup("/api/v1/slots/{slot}").WithTags("Proof-boost").AllowAnonymous();
        slots.MapPost("/quotes", QuoteAsync)
            .WithSummary("A prover's signed quote for the slot (EIP-191 over the quote text); kept while the slot takes quotes")
            .Accepts<QuoteRequest>("application/json")
            .Produces<QuoteReceipt>(202).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        slots.MapGet("/authorisations/{prover}", AuthorisationAsync)
            .WithSummary("The canonical sequencer's commitment authorisation for the prover, once it was chosen")
            .Produces<AuthorisationResponse>().ProducesValidationProblem().ProducesProblem(404);
        slots.MapGet("/backup", BackupAsync)
            .WithSummary("Whether the platform's own prover agents may submit a backup block for the slot, by the winning tenant's policy")
            .Produces<BackupAnswerResponse>().ProducesValidationProblem()
            .RequireProverAgent();
        return routes;
    }

    /// <summary>A quote from its text fields, or the field that was wrong and why.</summary>
    public static (ProverQuote? Quote, string? Field, string? Message) ParseQuote(ulong slot, QuoteRequest request)
    {
        if (!Address.TryParse(request.Prover, out var prover) || prover.IsZero)
        {
            return (null, "prover", $"'{request.Prover}' is not a prover address: expected 0x and 40 hex digits, not zero.");
        }
        if (!BigInteger.TryParse(request.Fee, NumberStyles.None, CultureInfo.InvariantCulture, out var fee))
        {
            return (null, "fee", $"'{request.Fee}' is not a fee: expected a whole number of token wei, as a decimal string.");
        }
        if (!BigInteger.TryParse(request.Bond, NumberStyles.None, CultureInfo.InvariantCulture, out var bond) || bond <= 0)
        {
            return (null, "bond", $"'{request.Bond}' is not a bond: expected a positive whole number of token wei, as a decimal string.");
        }
        if (request.ExpiryBlock is not { } expiry)
        {
            return (null, "expiryBlock", "A quote needs expiryBlock: the last L1 block the offer holds.");
        }
        if (!Signature.TryParse(request.Signature, out var signature))
        {
            return (null, "signature", $"'{request.Signature}' is not a signature: expected 0x and 130 hex digits (r, s, then v of 27/28 or 0/1), the prover's personal-message signature over the quote text.");
        }
        return (new ProverQuote(slot, prover, fee, bond, expiry, signature), null, null);
    }

    private static async Task<IResult> QuoteAsync(string slot, HttpRequest http, IGrainFactory grains)
    {
        if (!TryParseSlot(slot, out var number))
        {
            return InvalidSlot(slot);
        }
        var (request, bad) = await RequestBody.ReadAsync<QuoteRequest>(http);
        if (bad is not null)
        {
            return bad;
        }
        var (quote, field, message) = ParseQuote(number, request!);
        if (quote is null)
        {
            return RequestBody.Invalid(field!, message!);
        }
        QuoteAnswer answer;
        try
        {
            answer = await grains.GetGrain<ISlotGrain>(SlotKeys.Slot(number)).QuoteAsync(quote);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("L1", StringComparison.Ordinal) || e.Message.Contains("deployment", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(title: "L1 not available", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return answer.Refusal switch
        {
            QuoteRefusal.None when answer.Accepted => Results.Accepted($"/api/v1/slots/{number}/authorisations/{quote.Prover}",
                new QuoteReceipt(number, quote.Prover.ToString(), answer.Reason)),
            QuoteRefusal.BadSignature => RequestBody.Invalid("signature", answer.Reason),
            QuoteRefusal.Expired => RequestBody.Invalid("expiryBlock", answer.Reason),
            QuoteRefusal.WrongSlot => RequestBody.Invalid("slot", answer.Reason),
            QuoteRefusal.SlotNotOurs => Results.Problem(title: "Slot not hosted", detail: answer.Reason, statusCode: StatusCodes.Status404NotFound),
            _ => Results.Problem(title: "Slot takes no quotes", detail: answer.Reason, statusCode: StatusCodes.Status409Conflict),
        };
    }

    private static async Task<IResult> AuthorisationAsync(string slot, string prover, IGrainFactory grains)
    {
        if (!TryParseSlot(slot, out var number))
        {
            return InvalidSlot(slot);
        }
        if (!Address.TryParse(prover, out var address))
        {
            return RequestBody.Invalid("prover", $"'{prover}' is not a prover address: expected 0x and 40 hex digits.");
        }
        var authorisation = await grains.GetGrain<ISlotGrain>(SlotKeys.Slot(number)).AuthorisationForAsync(address);
        return authorisation is null
            ? Results.Problem(title: "Not authorised", detail: $"Prover {address} is not authorised to commit to slot {number} (not chosen, or not yet).", statusCode: StatusCodes.Status404NotFound)
            : Results.Ok(new AuthorisationResponse(authorisation.Slot, authorisation.Sequencer.ToString(), authorisation.Prover.ToString(),
                authorisation.BlockHash.ToString(), authorisation.Bond.ToString(CultureInfo.InvariantCulture), authorisation.Signature.ToString()));
    }

    private static async Task<IResult> BackupAsync(string slot, IGrainFactory grains)
    {
        if (!TryParseSlot(slot, out var number))
        {
            return InvalidSlot(slot);
        }
        var answer = await grains.GetGrain<ISlotGrain>(SlotKeys.Slot(number)).BackupAnswerAsync();
        return Results.Ok(new BackupAnswerResponse(answer.Slot, VerdictName(answer.Verdict), answer.Reason));
    }

    public static string VerdictName(BackupVerdict verdict) => verdict switch
    {
        BackupVerdict.Submit => "submit",
        BackupVerdict.Skip => "skip",
        BackupVerdict.NotHosted => "not-hosted",
        _ => "not-known-yet",
    };

    private static bool TryParseSlot(string text, out ulong slot) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out slot);

    private static IResult InvalidSlot(string slot) =>
        RequestBody.Invalid("slot", $"'{slot}' is not a slot number: expected a whole decimal number.");
}

/// <summary>
/// A prover's quote. <see cref="Signature"/> is its personal-message (EIP-191) signature over the one line
/// "FernetRollup quote: rollup {rollup} slot {slot} prover {prover} fee {fee} bond {bond} expiry {expiryBlock}"
/// (addresses in lower-case 0x-hex, numbers in decimal), e.g. with `cast wallet sign`.
/// </summary>
public sealed record QuoteRequest(string? Prover, string? Fee, string? Bond, ulong? ExpiryBlock, string? Signature);

/// <summary>The quote was kept; poll <c>Location</c> for the authorisation.</summary>
public sealed record QuoteReceipt(ulong Slot, string Prover, string Status);

/// <summary>
/// <c>verdict</c>: <c>submit</c> (a hosted sequencer won and its tenant allows it), <c>skip</c> (its tenant says
/// never), <c>not-hosted</c> (the agent's own setting decides), <c>not-known-yet</c> (ask again; do not submit).
/// </summary>
public sealed record BackupAnswerResponse(ulong Slot, string Verdict, string Reason);

/// <summary>What the prover passes to commitProver(slot, prover, bond, signature).</summary>
public sealed record AuthorisationResponse(ulong Slot, string Sequencer, string Prover, string BlockHash, string Bond, string Signature);
