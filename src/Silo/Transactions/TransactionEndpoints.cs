using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Threading.RateLimiting;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Transactions;
using Hosting.Grains.Slots;
using Microsoft.AspNetCore.RateLimiting;

namespace Hosting.Silo.Transactions;

/// <summary>
/// The transaction pool's HTTP ingress: clients submit an L2 transaction blob with its priority fee and follow its
/// confirmation stage by hash. Open to anyone (as a node's mempool is), limited per client address.
/// </summary>
public static class TransactionEndpoints
{
    public const string RatePolicy = "transactions";

    /// <summary>The largest request body read: a maximal blob in hex plus room for the fee and the JSON around it.</summary>
    public const int BodyLimit = 2 * TransactionRules.MaxTransactionBytes + 1024;

    public static IServiceCollection AddTransactionIngress(this IServiceCollection services, TransactionIngressOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RatePolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitsPerWindow,
                    Window = TimeSpan.FromSeconds(options.WindowSeconds),
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (rejected, token) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                await Results.Problem(
                    title: "Too many submissions",
                    detail: $"This client may submit {options.PermitsPerWindow} transactions per {options.WindowSeconds} s; wait for the window to pass (Retry-After).",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    public static IEndpointRouteBuilder MapTransactions(this IEndpointRouteBuilder routes)
    {
        var transactions = routes.MapGroup("/api/v1/transactions").WithTags("Transactions");
        transactions.MapPost("", SubmitAsync)
            .RequireRateLimiting(RatePolicy)
            .WithSummary("Submit an L2 transaction (hex blob) with its priority fee in wei")
            .Produces<TransactionResponse>(202).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413).ProducesProblem(429).ProducesProblem(503);
        transactions.MapGet("/{hash}", GetAsync)
            .WithSummary("A transaction's confirmation stage (PROTOCOL.md stages 1-7) and history")
            .Produces<TransactionResponse>().ProducesValidationProblem().ProducesProblem(404);
        return routes;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, IGrainFactory grains)
    {
        if (!(request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return Results.Problem(title: "Unsupported media type", detail: $"Send the transaction as application/json, not '{request.ContentType}'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        if (request.ContentLength > BodyLimit)
        {
            return TooLarge(request.ContentLength.Value);
        }
        var body = new byte[BodyLimit + 1];
        var length = 0;
        int read;
        while ((read = await request.Body.ReadAsync(body.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
        {
            length += read;
            if (length > BodyLimit)
            {
                return TooLarge(null);
            }
        }
        var (submission, problem) = Parse(body.AsSpan(0, length));
        if (problem is not null)
        {
            return problem;
        }
        var (blob, fee) = submission!.Value;
        var hash = BlockBuilder.TransactionHash(blob);
        var result = await grains.GetGrain<ITransactionGrain>(hash.ToString()).SubmitAsync(blob, fee);
        return result.Outcome switch
        {
            SubmitOutcome.Accepted => Results.Accepted($"/api/v1/transactions/{hash}", TransactionResponse.From(result.Transaction!)),
            SubmitOutcome.Duplicate => Results.Problem(title: "Duplicate transaction",
                detail: $"Transaction {hash} was submitted before; it is at stage {(int)result.Transaction!.Stage} ({result.Transaction.Stage}).",
                statusCode: StatusCodes.Status409Conflict, instance: $"/api/v1/transactions/{hash}"),
            _ => Results.Problem(title: "Pool full",
                detail: $"The pool holds {TransactionRules.PoolCapacity} waiting transactions; try again after the next blocks.",
                statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }

    private static async Task<IResult> GetAsync(string hash, IGrainFactory grains)
    {
        if (!Hash32.TryParse(hash, out var parsed))
        {
            return Invalid("hash", $"'{Shorten(hash)}' is not a transaction hash: expected 0x and 64 hex digits.");
        }
        var view = await grains.GetGrain<ITransactionGrain>(parsed.ToString()).GetAsync();
        return view is null
            ? Results.Problem(title: "Unknown transaction", detail: $"No transaction {parsed} was submitted to this platform.", statusCode: StatusCodes.Status404NotFound)
            : Results.Ok(TransactionResponse.From(view));
    }

    /// <summary>Reads {"transaction": "0x…", "fee": "…"}; every problem names its field.</summary>
    private static ((byte[] Blob, BigInteger Fee)? Submission, IResult? Problem) Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            return (null, Invalid("$", $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): send {{\"transaction\": \"0x…\", \"fee\": \"<wei>\"}}."));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid("$", $"The body is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object: send {{\"transaction\": \"0x…\", \"fee\": \"<wei>\"}}."));
            }
            var errors = new Dictionary<string, string[]>();
            var blob = ParseBlob(root, errors);
            var fee = ParseFee(root, errors);
            return errors.Count > 0 ? (null, Results.ValidationProblem(errors)) : ((blob!, fee!.Value), null);
        }
    }

    private static byte[]? ParseBlob(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("transaction", out var value) || value.ValueKind != JsonValueKind.String)
        {
            errors["transaction"] = ["The L2 transaction is required, as a 0x-prefixed hex string."];
            return null;
        }
        var text = value.GetString()!;
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : null;
        if (digits is null || digits.Length % 2 != 0 || !digits.All(Uri.IsHexDigit))
        {
            errors["transaction"] = [$"'{Shorten(text)}' is not hex: expected 0x and an even number of hex digits."];
            return null;
        }
        var bytes = digits.Length / 2;
        if (bytes == 0 || bytes > TransactionRules.MaxTransactionBytes)
        {
            errors["transaction"] = [$"The transaction has {bytes} bytes; it must have 1 to {TransactionRules.MaxTransactionBytes}."];
            return null;
        }
        return Convert.FromHexString(digits);
    }

    private static BigInteger? ParseFee(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("fee", out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            errors["fee"] = ["The priority fee is required, in wei, as a decimal string or number."];
            return null;
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        if (!BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fee))
        {
            errors["fee"] = [$"'{Shorten(text)}' is not a whole number of wei."];
            return null;
        }
        if (fee < TransactionRules.MinimumFee)
        {
            errors["fee"] = [$"The fee is {fee} wei; the minimum is {TransactionRules.MinimumFee} wei."];
            return null;
        }
        return fee;
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static IResult TooLarge(long? length) => Results.Problem(
        title: "Request body too large",
        detail: $"The body has {(length is { } l ? l.ToString(CultureInfo.InvariantCulture) : "more than " + BodyLimit)} bytes; the limit is {BodyLimit} (a transaction has at most {TransactionRules.MaxTransactionBytes} bytes).",
        statusCode: StatusCodes.Status413PayloadTooLarge);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

/// <summary>A transaction as the API shows it: amounts as decimal strings, stages by number and name.</summary>
public sealed record TransactionResponse(string Hash, string Fee, int Size, int Stage, string StageName, ulong? Slot, IReadOnlyList<StageResponse> History)
{
    public static TransactionResponse From(TransactionView view) => new(view.Hash.ToString(), view.Fee.ToString(CultureInfo.InvariantCulture), view.Size,
        (int)view.Stage, view.Stage.ToString(), view.Slot,
        [.. view.History.Select(h => new StageResponse((int)h.Stage, h.Stage.ToString(), h.Slot, h.L1Block, h.L1Transaction?.ToString(), h.Reason, h.At))]);
}

public sealed record StageResponse(int Stage, string StageName, ulong? Slot, ulong? L1Block, string? L1Transaction, string Reason, DateTimeOffset At);
