namespace Hosting.L1.Rpc;

/// <summary>Where the L1 nodes are and how patiently to talk to them.</summary>
public sealed record RpcOptions
{
    /// <summary>HTTP(S) JSON-RPC endpoints, preferred first. A failing one is skipped until the others fail too.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>WebSocket endpoints for eth_subscribe; empty means new heads are polled over HTTP.</summary>
    public IReadOnlyList<Uri> WebSocketEndpoints { get; init; } = [];

    /// <summary>How long one attempt (one HTTP request) may take before it counts as a timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call in total, across endpoints: at least one per endpoint is sensible.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first pause between attempts; it doubles each time, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>JSON-RPC error codes that mean "try again elsewhere" (rate limiting) rather than a real answer.</summary>
    public IReadOnlySet<int> RetryableErrorCodes { get; init; } = new HashSet<int> { -32005, 429 };

    /// <summary>How often new heads are polled when no WebSocket subscription is up.</summary>
    public TimeSpan HeadPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a WebSocket subscription may stay silent before it is taken for stuck and polling takes
    /// over (polling still sees every head, so on an idle devnet this costs nothing).
    /// </summary>
    public TimeSpan WebSocketStallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the follower polls before trying a WebSocket subscription again.</summary>
    public TimeSpan WebSocketRetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Options for one endpoint with the defaults.</summary>
    public static RpcOptions For(params Uri[] endpoints) => new() { Endpoints = endpoints };
}
