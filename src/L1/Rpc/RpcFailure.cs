namespace Hosting.L1.Rpc;

/// <summary>Why one attempt against one endpoint failed.</summary>
public enum RpcFailureKind
{
    /// <summary>No connection, a reset, or an HTTP status that is not 200.</summary>
    Transport,

    /// <summary>No complete answer within <see cref="RpcOptions.RequestTimeout"/>.</summary>
    Timeout,

    /// <summary>An answer that is not a JSON-RPC response: truncated, not JSON, ids that do not match.</summary>
    MalformedResponse,

    /// <summary>A JSON-RPC error object with a code configured as retryable (rate limits).</summary>
    RetryableError,
}

/// <summary>
/// One failed attempt of a call: which endpoint, which method, what kind of failure and what came back.
/// Thrown by itself when there is one endpoint and no retries; otherwise gathered into
/// <see cref="RpcUnavailableException"/>.
/// </summary>
public sealed class RpcFailure : L1Exception
{
    /// <summary>Creates a failure record.</summary>
    public RpcFailure(Uri endpoint, string method, RpcFailureKind kind, string detail, Exception? innerException = null)
        : base($"{method} on {Redact(endpoint)}: {Describe(kind)}: {detail}", innerException)
    {
        Endpoint = endpoint;
        Method = method;
        Kind = kind;
        Detail = detail;
    }

    /// <summary>The endpoint that failed.</summary>
    public Uri Endpoint { get; }

    /// <summary>The JSON-RPC method (or "batch of N: m1, m2…").</summary>
    public string Method { get; }

    /// <summary>What kind of failure it was.</summary>
    public RpcFailureKind Kind { get; }

    /// <summary>What came back or what went wrong: the status and body, the exception, the bytes read.</summary>
    public string Detail { get; }

    /// <summary>The endpoint without user info or query string, since provider URLs often carry API keys there.</summary>
    internal static string Redact(Uri endpoint) =>
        endpoint.IsAbsoluteUri ? $"{endpoint.Scheme}://{endpoint.Host}{(endpoint.IsDefaultPort ? "" : $":{endpoint.Port}")}{endpoint.AbsolutePath.TrimEnd('/')}" : endpoint.ToString();

    private static string Describe(RpcFailureKind kind) => kind switch
    {
        RpcFailureKind.Transport => "transport error",
        RpcFailureKind.Timeout => "timed out",
        RpcFailureKind.MalformedResponse => "malformed response",
        RpcFailureKind.RetryableError => "retryable JSON-RPC error",
        _ => kind.ToString(),
    };
}
