namespace Hosting.L1.Rpc;

/// <summary>Every attempt on every endpoint failed; <see cref="Failures"/> says what each one saw, in order.</summary>
public sealed class RpcUnavailableException(string method, IReadOnlyList<RpcFailure> failures)
    : L1Exception($"{method} failed on every L1 endpoint after {failures.Count} attempts: {string.Join(" | ", failures.Select(f => f.Message))}", failures.LastOrDefault())
{
    /// <summary>The JSON-RPC method.</summary>
    public string Method { get; } = method;

    /// <summary>Each failed attempt, first to last.</summary>
    public IReadOnlyList<RpcFailure> Failures { get; } = failures;
}
