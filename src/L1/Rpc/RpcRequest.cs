using System.Text.Json;

namespace Hosting.L1.Rpc;

/// <summary>One JSON-RPC call: a method and its positional parameters (strings, numbers, hex, objects).</summary>
public sealed record RpcRequest(string Method, params object?[] Parameters);

/// <summary>The answer to one call of a batch: a result or the node's error object.</summary>
public sealed record RpcResponse(string Method, JsonElement Result, RpcException? Error)
{
    /// <summary>True when the node returned a result rather than an error.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>The result, or the node's error thrown as <see cref="RpcException"/>.</summary>
    public JsonElement GetResult() => Error is null ? Result : throw Error;
}
