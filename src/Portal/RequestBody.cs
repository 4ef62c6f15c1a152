using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hosting.Portal;

/// <summary>
/// Reads a JSON request body ourselves, so malformed JSON and wrong types come back as a problem naming the
/// field (the JSON path) instead of an empty 400.
/// </summary>
public static class RequestBody
{
    /// <summary>The largest body the API reads: a thousand keystores fit, a runaway upload does not.</summary>
    public const long Limit = 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted);
            return value is null ? (null, Invalid("$", "The request needs a JSON object body.")) : (value, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            return (null, Invalid(field, $"The body is not valid JSON of the expected shape at {field} (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): check the value's type."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult TooLarge() => Results.Problem(
        title: "Request body too large",
        detail: $"The body is larger than the limit of {Limit} bytes; send fewer keystores per request.",
        statusCode: StatusCodes.Status413PayloadTooLarge);
}
