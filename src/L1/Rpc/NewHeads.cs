using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Hosting.L1.Rpc;

/// <summary>Where the heads currently come from.</summary>
public enum HeadSource
{
    /// <summary>Not started or stopped.</summary>
    None,

    /// <summary>An eth_subscribe("newHeads") subscription over WebSocket.</summary>
    WebSocket,

    /// <summary>Polling eth_getBlockByNumber("latest") over HTTP, because no WebSocket endpoint works.</summary>
    Polling,
}

/// <summary>
/// New L1 block headers as they arrive: pushed over a WebSocket subscription when one is configured and
/// up, polled over HTTP otherwise (missed blocks in between are fetched in one batch, so the follower
/// sees every number). The subscription is retried every <see cref="RpcOptions.WebSocketRetryInterval"/>.
/// A reorg shows as a header whose parent hash is not the previous header's hash; telling that apart
/// is the follower's job.
/// </summary>
public sealed class NewHeads(JsonRpcClient rpc)
{
    private const int MaxGapFetched = 128;

    private volatile HeadSource _source;

    /// <summary>Where heads come from right now (for health output and tests).</summary>
    public HeadSource Source => _source;

    /// <summary>The last WebSocket problem, if any, for logs: which endpoint and what happened.</summary>
    public string? LastWebSocketError { get; private set; }

    /// <summary>The last polling problem, if any, for logs.</summary>
    public string? LastPollError { get; private set; }

    /// <summary>Headers in arrival order until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<BlockHeader> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<BlockHeader>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var header in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return header;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping is how the producer ends.
            }
            _source = HeadSource.None;
        }
    }

    private async Task ProduceAsync(ChannelWriter<BlockHeader> writer, CancellationToken cancellationToken)
    {
        ulong? last = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var endpoint in rpc.Options.WebSocketEndpoints)
                {
                    try
                    {
                        await SubscribeAsync(endpoint, writer, number => last = number, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Whatever broke the subscription (refused, closed, stalled, nonsense), polling takes over.
                        LastWebSocketError = $"{RpcFailure.Redact(endpoint)}: {exception.GetType().Name}: {exception.Message}";
                    }
                }
                _source = HeadSource.Polling;
                var until = rpc.Options.WebSocketEndpoints.Count > 0 ? DateTime.UtcNow + rpc.Options.WebSocketRetryInterval : DateTime.MaxValue;
                while (DateTime.UtcNow < until && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        last = await PollOnceAsync(writer, last, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Every endpoint is down or answering nonsense for now; the next poll tries again.
                        LastPollError = exception.Message;
                    }
                    await Task.Delay(rpc.Options.HeadPollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task<ulong?> PollOnceAsync(ChannelWriter<BlockHeader> writer, ulong? last, CancellationToken cancellationToken)
    {
        var client = new EthereumClient(rpc);
        var latest = await client.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Number == last)
        {
            return last;
        }
        if (last is { } previous && latest.Number > previous + 1)
        {
            // Past MaxGapFetched blocks behind, the follower resynchronises from logs rather than from heads.
            var from = Math.Max(previous + 1, latest.Number > MaxGapFetched ? latest.Number - MaxGapFetched : 0);
            var requests = new List<RpcRequest>();
            for (var number = from; number < latest.Number; number++)
            {
                requests.Add(new RpcRequest("eth_getBlockByNumber", BlockTag.Number(number).Text, false));
            }
            foreach (var response in await rpc.BatchAsync(requests, cancellationToken).ConfigureAwait(false))
            {
                if (response.GetResult() is { ValueKind: JsonValueKind.Object } block)
                {
                    await writer.WriteAsync(BlockHeader.Read(block), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        await writer.WriteAsync(latest, cancellationToken).ConfigureAwait(false);
        return latest.Number;
    }

    private async Task SubscribeAsync(Uri endpoint, ChannelWriter<BlockHeader> writer, Action<ulong> seen, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(rpc.Options.RequestTimeout);
            await socket.ConnectAsync(endpoint, connect.Token).ConfigureAwait(false);
        }
        var request = """{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"""u8.ToArray();
        await socket.SendAsync(request, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        string? subscription = null;
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            buffer.SetLength(0);
            WebSocketReceiveResult received;
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (subscription is not null)
            {
                stall.CancelAfter(rpc.Options.WebSocketStallTimeout);
            }
            do
            {
                try
                {
                    received = await socket.ReceiveAsync(chunk, subscription is null ? cancellationToken : stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no new head for {rpc.Options.WebSocketStallTimeout.TotalSeconds:0} s; the subscription may be stuck");
                }
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException($"the node closed the subscription ({received.CloseStatus} {received.CloseStatusDescription})");
                }
                buffer.Write(chunk, 0, received.Count);
            }
            while (!received.EndOfMessage);
            using var message = JsonDocument.Parse(buffer.ToArray());
            var root = message.RootElement;
            if (subscription is null)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    throw new RpcException(endpoint, "eth_subscribe", error.TryGetProperty("code", out var code) ? code.GetInt32() : 0, error.TryGetProperty("message", out var text) ? text.GetString() ?? "" : "", null);
                }
                subscription = root.GetProperty("result").GetString();
                _source = HeadSource.WebSocket;
                continue;
            }
            if (root.TryGetProperty("params", out var parameters) && parameters.TryGetProperty("subscription", out var id) && id.GetString() == subscription)
            {
                var header = BlockHeader.Read(parameters.GetProperty("result"));
                seen(header.Number);
                await writer.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
