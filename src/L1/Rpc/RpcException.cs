using System.Text.Json;

namespace Hosting.L1.Rpc;

/// <summary>
/// The node answered a call with a JSON-RPC error object. It is an answer, not an outage: it is not
/// retried on another endpoint (except the codes <see cref="RpcOptions.RetryableErrorCodes"/> names).
/// </summary>
public class RpcException : L1Exception
{
    /// <summary>Creates the error for one call's error object.</summary>
    public RpcException(Uri endpoint, string method, int code, string rpcMessage, JsonElement? data)
        : base($"{method} on {RpcFailure.Redact(endpoint)} failed with JSON-RPC error {code}: {rpcMessage}{(data is { } d ? $" (data {HexFormatException.Shorten(d.GetRawText())})" : "")}.")
    {
        Endpoint = endpoint;
        Method = method;
        Code = code;
        RpcMessage = rpcMessage;
        ErrorData = data;
    }

    /// <summary>The endpoint that answered.</summary>
    public Uri Endpoint { get; }

    /// <summary>The JSON-RPC method that was called.</summary>
    public string Method { get; }

    /// <summary>The error code (-32601 method not found, 3 execution reverted, -32000 server error…).</summary>
    public int Code { get; }

    /// <summary>The error object's message, verbatim.</summary>
    public string RpcMessage { get; }

    /// <summary>The error object's data member, when present (revert data for eth_call and eth_estimateGas).</summary>
    public JsonElement? ErrorData { get; }

    /// <summary>The data member as bytes when it is a hex string (revert data), otherwise null.</summary>
    public byte[]? ErrorDataBytes
    {
        get
        {
            if (ErrorData is not { ValueKind: JsonValueKind.String } data || data.GetString() is not { } text || !text.StartsWith("0x", StringComparison.Ordinal))
            {
                return null;
            }
            try
            {
                return Hex.Decode(text);
            }
            catch (HexFormatException)
            {
                return null;
            }
        }
    }
}
