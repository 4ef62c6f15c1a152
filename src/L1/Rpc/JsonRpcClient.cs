using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hosting.Contracts.Telemetry;
using Polly;
using Polly.Retry;

namespace Hosting.L1.Rpc;

/// <summary>
/// JSON-RPC 2.0 over HTTP to one or more L1 nodes: single calls and batches, a timeout per attempt,
/// retries with backoff, and failover to the next endpoint when one is down, slow, or answers nonsense.
/// A node's error object is an answer and comes back as <see cref="RpcException"/>; no answer from any
/// endpoint comes back as <see cref="RpcUnavailableException"/> listing every attempt.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline _retry;
    private long _nextId;
    private int _preferred;

    /// <summary>Creates a client; pass an <see cref="HttpClient"/> to share connections (it is not disposed then).</summary>
    public JsonRpcClient(RpcOptions options, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("At least one L1 RPC endpoint is needed.", nameof(options));
        }
        if (options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxAttempts, "MaxAttempts must be at least 1.");
        }
        Options = options;
        _ownsHttp = http is null;
        // Timeouts are per attempt (RequestTimeout); pooled connections are recycled so a provider's DNS failover is noticed.
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _retry = options.MaxAttempts == 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcFailure>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            }).Build();
    }

    /// <summary>The endpoints and policies in use.</summary>
    public RpcOptions Options { get; }

    /// <summary>The endpoint the next call tries first: the last one that answered.</summary>
    public Uri PreferredEndpoint => Options.Endpoints[Volatile.Read(ref _preferred)];

    /// <summary>Calls <paramref name="method"/> and returns its result (a clone, safe to keep).</summary>
    public Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken = default) =>
        CallAsync(method, parameters, static result => result, cancellationToken);

    /// <summary>
    /// Calls <paramref name="method"/> and reads its result with <paramref name="read"/>. A result that
    /// <paramref name="read"/> rejects (wrong shape, bad hex) counts as a malformed answer from that
    /// endpoint, so the call fails over to the next one like any other bad answer.
    /// </summary>
    public async Task<T> CallAsync<T>(string method, object?[] parameters, Func<JsonElement, T> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(read);
        return await SendAsync(method, [new RpcRequest(method, parameters)], batch: false, (responses, endpoint) =>
        {
            var result = responses[0].GetResult();
            try
            {
                return read(result);
            }
            catch (Exception exception) when (exception is L1Exception and not RpcException or FormatException or InvalidOperationException or KeyNotFoundException or JsonException or ArgumentException)
            {
                throw new RpcFailure(endpoint, method, RpcFailureKind.MalformedResponse, $"result {HexFormatException.Shorten(result.GetRawText())} rejected: {exception.Message}", exception);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Calls <paramref name="method"/> with the given positional parameters.</summary>
    public Task<JsonElement> CallAsync(string method, params object?[] parameters) => CallAsync(method, parameters, CancellationToken.None);

    /// <summary>
    /// Sends the calls as one JSON-RPC batch (one HTTP request) and returns one response per call in the
    /// order given. A failed call inside the batch is a response with an error, not an exception.
    /// </summary>
    public async Task<IReadOnlyList<RpcResponse>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }
        var name = $"batch of {requests.Count} ({string.Join(", ", requests.Select(r => r.Method).Distinct().Take(5))})";
        return await SendAsync(name, requests, batch: true, static (responses, _) => responses, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendAsync<T>(string name, IReadOnlyList<RpcRequest> requests, bool batch, Func<IReadOnlyList<RpcResponse>, Uri, T> finish, CancellationToken cancellationToken)
    {
        var failures = new List<RpcFailure>();
        var start = Volatile.Read(ref _preferred);
        var attempt = 0;
        var method = batch ? "batch" : requests[0].Method;
        // One client span per call (retries and failover inside it), so a trace shows which L1 call a grain made.
        using var activity = HostingTelemetry.ActivitySource.StartActivity($"eth {method}", ActivityKind.Client);
        activity?.SetTag("rpc.system", "jsonrpc");
        activity?.SetTag("rpc.method", method);
        if (batch)
        {
            activity?.SetTag("rpc.batch_size", requests.Count);
        }
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                var index = (start + attempt++) % Options.Endpoints.Count;
                var endpoint = Options.Endpoints[index];
                activity?.SetTag("server.address", endpoint.Host);
                activity?.SetTag("server.port", endpoint.Port);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var responses = await AttemptAsync(endpoint, name, requests, batch, token).ConfigureAwait(false);
                    var result = finish(responses, endpoint);
                    Volatile.Write(ref _preferred, index);
                    PlatformMetrics.L1RpcSucceeded(endpoint, method, Stopwatch.GetElapsedTime(started));
                    return result;
                }
                catch (RpcFailure failure)
                {
                    PlatformMetrics.L1RpcFailed(endpoint, method, Stopwatch.GetElapsedTime(started), ErrorOf(failure));
                    failures.Add(failure);
                    throw;
                }
                catch (RpcException)
                {
                    // The node answered with an error object: an answer, not an outage, but an error all the same.
                    PlatformMetrics.L1RpcFailed(endpoint, method, Stopwatch.GetElapsedTime(started), L1RpcError.RpcError);
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcFailure)
        {
            activity?.SetStatus(ActivityStatusCode.Error, $"no endpoint answered {method}");
            throw new RpcUnavailableException(name, failures);
        }
        catch (RpcException exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
    }

    private static L1RpcError ErrorOf(RpcFailure failure) => failure.Kind switch
    {
        RpcFailureKind.Timeout => L1RpcError.Timeout,
        RpcFailureKind.Transport when failure.Detail.StartsWith("HTTP ", StringComparison.Ordinal) => L1RpcError.HttpStatus,
        RpcFailureKind.Transport => L1RpcError.Transport,
        RpcFailureKind.RetryableError => L1RpcError.RpcError,
        _ => L1RpcError.InvalidResponse,
    };

    private async Task<IReadOnlyList<RpcResponse>> AttemptAsync(Uri endpoint, string name, IReadOnlyList<RpcRequest> requests, bool batch, CancellationToken cancellationToken)
    {
        var firstId = Interlocked.Add(ref _nextId, requests.Count) - requests.Count + 1;
        var body = WriteRequest(requests, firstId, batch);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        byte[] answer;
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var response = await _http.PostAsync(endpoint, content, timeout.Token).ConfigureAwait(false);
            answer = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK && !LooksLikeJsonRpc(answer))
            {
                throw new RpcFailure(endpoint, name, RpcFailureKind.Transport, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Snippet(answer)}");
            }
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.Timeout, $"no complete answer within {Options.RequestTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms", exception);
        }
        catch (Exception exception) when (exception is HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } or HttpRequestException { InnerException: HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } })
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"truncated: the connection closed before the whole response arrived ({exception.Message})", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.Transport, exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message, exception);
        }
        catch (IOException exception)
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.Transport, exception.Message, exception);
        }
        return ReadResponse(endpoint, name, requests, firstId, batch, answer);
    }

    private IReadOnlyList<RpcResponse> ReadResponse(Uri endpoint, string name, IReadOnlyList<RpcRequest> requests, long firstId, bool batch, byte[] answer)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(answer);
            root = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"not JSON ({exception.Message}): {Snippet(answer)}", exception);
        }
        if (!batch || root.ValueKind == JsonValueKind.Object)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"expected a response object, got {Snippet(answer)}");
            }
            var single = ReadOne(endpoint, batch ? name : requests[0].Method, root, answer);
            if (batch)
            {
                // A node that refuses batches answers the whole request with one error object.
                throw (Exception?)single.Error ?? new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"expected an array of responses, got one object: {Snippet(answer)}");
            }
            CheckId(endpoint, name, root, firstId, answer);
            return [Retryable(endpoint, single)];
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"expected an array of responses, got {Snippet(answer)}");
        }
        var byId = new Dictionary<long, JsonElement>();
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value))
            {
                byId[value] = item;
            }
        }
        var responses = new RpcResponse[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            if (!byId.TryGetValue(firstId + i, out var item))
            {
                throw new RpcFailure(endpoint, name, RpcFailureKind.MalformedResponse, $"no response with id {firstId + i} ({requests[i].Method}) among {root.GetArrayLength()} responses: {Snippet(answer)}");
            }
            responses[i] = ReadOne(endpoint, requests[i].Method, item, answer);
        }
        return responses;
    }

    private RpcResponse Retryable(Uri endpoint, RpcResponse response) =>
        response.Error is { } error && Options.RetryableErrorCodes.Contains(error.Code)
            ? throw new RpcFailure(endpoint, response.Method, RpcFailureKind.RetryableError, $"{error.Code} {error.RpcMessage}", error)
            : response;

    private static RpcResponse ReadOne(Uri endpoint, string method, JsonElement item, byte[] answer)
    {
        if (item.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            if (error.ValueKind != JsonValueKind.Object || !error.TryGetProperty("code", out var code) || !code.TryGetInt32(out var number))
            {
                throw new RpcFailure(endpoint, method, RpcFailureKind.MalformedResponse, $"an error member without an integer code: {Snippet(answer)}");
            }
            var message = error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";
            JsonElement? data = error.TryGetProperty("data", out var d) ? d : null;
            return new RpcResponse(method, default, new RpcException(endpoint, method, number, message, data));
        }
        return item.TryGetProperty("result", out var result)
            ? new RpcResponse(method, result, null)
            : throw new RpcFailure(endpoint, method, RpcFailureKind.MalformedResponse, $"neither result nor error: {Snippet(answer)}");
    }

    private static void CheckId(Uri endpoint, string method, JsonElement root, long expected, byte[] answer)
    {
        if (!root.TryGetProperty("id", out var id) || !id.TryGetInt64(out var value) || value != expected)
        {
            // An error about the request itself (parse error) may carry id null; that is still the node's answer.
            if (id.ValueKind == JsonValueKind.Null && root.TryGetProperty("error", out _))
            {
                return;
            }
            throw new RpcFailure(endpoint, method, RpcFailureKind.MalformedResponse, $"response id is not {expected}: {Snippet(answer)}");
        }
    }

    private static bool LooksLikeJsonRpc(byte[] answer) => answer.AsSpan().IndexOf("\"jsonrpc\""u8) >= 0;

    private static byte[] WriteRequest(IReadOnlyList<RpcRequest> requests, long firstId, bool batch)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (batch)
            {
                writer.WriteStartArray();
            }
            for (var i = 0; i < requests.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("jsonrpc", "2.0");
                writer.WriteNumber("id", firstId + i);
                writer.WriteString("method", requests[i].Method);
                writer.WritePropertyName("params");
                JsonSerializer.Serialize(writer, requests[i].Parameters, ParameterJson);
                writer.WriteEndObject();
            }
            if (batch)
            {
                writer.WriteEndArray();
            }
        }
        return stream.ToArray();
    }

    internal static string Snippet(byte[] answer)
    {
        var text = Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 300));
        return answer.Length == 0 ? "(empty body)" : answer.Length > 300 ? $"{text}…({answer.Length} bytes)" : text;
    }

    /// <summary>Parameters: byte[] as 0x-hex data and BigInteger as a 0x quantity, as JSON-RPC wants them.</summary>
    internal static readonly JsonSerializerOptions ParameterJson = new()
    {
        Converters = { new HexBytesConverter(), new QuantityConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    private sealed class HexBytesConverter : JsonConverter<byte[]>
    {
        public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Hex.Decode(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) => writer.WriteStringValue(Hex.Encode(value));
    }

    private sealed class QuantityConverter : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Hex.DecodeQuantity(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) => writer.WriteStringValue(Hex.EncodeQuantity(value));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
