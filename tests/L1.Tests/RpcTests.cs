using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Hosting.L1.Rpc;
using Hosting.L1.Tests.Peers;
using Hosting.TestKit;

namespace Hosting.L1.Tests;

/// <summary>The JSON-RPC client against a real anvil and against a stub node that misbehaves on purpose.</summary>
public sealed class RpcTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static RpcOptions Fast(params Uri[] endpoints) => new()
    {
        Endpoints = endpoints,
        RequestTimeout = TimeSpan.FromMilliseconds(500),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxAttempts = 2 * endpoints.Length,
    };

    [Fact]
    public async Task Typed_calls_read_anvil()
    {
        Assert.Equal(31337UL, await anvil.Client.GetChainIdAsync());
        var balance = await anvil.Client.GetBalanceAsync(Hosting.Contracts.Domain.Address.Parse(AnvilNode.DevAccount0));
        Assert.True(balance > 0);
        var head = await anvil.Client.GetBlockAsync(BlockTag.Latest);
        Assert.NotNull(head);
        Assert.Null(await anvil.Client.GetBlockAsync(BlockTag.Number(1_000_000)));
    }

    [Fact]
    public async Task Batch_returns_each_answer_in_order_with_errors_in_place()
    {
        var responses = await anvil.Rpc.BatchAsync([
            new RpcRequest("eth_chainId"),
            new RpcRequest("no_such_method"),
            new RpcRequest("eth_getBalance", AnvilNode.DevAccount0, "latest"),
        ]);
        Assert.Equal("0x7a69", responses[0].GetResult().GetString());
        var error = Assert.Throws<RpcException>(() => responses[1].GetResult());
        Assert.Equal("no_such_method", error.Method);
        Assert.Equal(anvil.Node.RpcUrl, error.Endpoint);
        Assert.Equal(-32601, error.Code);
        Assert.True(responses[2].IsSuccess);
    }

    [Fact]
    public async Task Error_object_is_a_typed_answer_naming_endpoint_method_code_and_data()
    {
        await using var stub = new StubRpcServer(_ => StubRpcServer.Http("""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}}"""));
        using var rpc = new JsonRpcClient(Fast(stub.Url));
        var error = await Assert.ThrowsAsync<RpcException>(() => rpc.CallAsync("eth_call", new object?[] { new { to = "0x00" }, "latest" }, CancellationToken.None));
        Assert.Equal(stub.Url, error.Endpoint);
        Assert.Equal("eth_call", error.Method);
        Assert.Equal(3, error.Code);
        Assert.Equal("execution reverted", error.RpcMessage);
        Assert.Equal([0x08, 0xc3, 0x79, 0xa0], error.ErrorDataBytes);
        Assert.Equal(1, stub.Requests);
    }

    [Theory]
    [InlineData("truncated", RpcFailureKind.MalformedResponse, "truncated")]
    [InlineData("garbage", RpcFailureKind.MalformedResponse, "not JSON")]
    [InlineData("http500", RpcFailureKind.Transport, "HTTP 500")]
    [InlineData("silent", RpcFailureKind.Timeout, "500 ms")]
    [InlineData("wrongid", RpcFailureKind.MalformedResponse, "id")]
    [InlineData("badresult", RpcFailureKind.MalformedResponse, "0xZZ")]
    public async Task Broken_answers_are_typed_failures_naming_what_came_back(string behaviour, RpcFailureKind kind, string detail)
    {
        await using var stub = new StubRpcServer(_ => behaviour switch
        {
            "truncated" => StubRpcServer.Http("""{"jsonrpc":"2.0","id":1,"res""", contentLength: 200),
            "garbage" => StubRpcServer.Http("<html>bad gateway</html>"),
            "http500" => StubRpcServer.Http("upstream exploded", status: 500),
            "wrongid" => StubRpcServer.Http("""{"jsonrpc":"2.0","id":999,"result":"0x1"}"""),
            "badresult" => StubRpcServer.Http("""{"jsonrpc":"2.0","id":1,"result":"0xZZ"}"""),
            _ => null,
        });
        using var rpc = new JsonRpcClient(Fast(stub.Url));
        var client = new EthereumClient(rpc);
        var error = await Assert.ThrowsAsync<RpcUnavailableException>(() => client.GetBlockNumberAsync());
        Assert.Equal("eth_blockNumber", error.Method);
        Assert.Equal(2, error.Failures.Count);
        Assert.All(error.Failures, failure =>
        {
            Assert.Equal(kind, failure.Kind);
            Assert.Equal(stub.Url, failure.Endpoint);
            Assert.Contains(detail, failure.Detail, StringComparison.Ordinal);
        });
        Assert.Contains("eth_blockNumber", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{stub.Url.Port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_over_to_the_next_endpoint_and_stays_there()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var silent = new StubRpcServer(_ => null);
        using var rpc = new JsonRpcClient(Fast(closed, silent.Url, anvil.Node.RpcUrl));
        var client = new EthereumClient(rpc);
        Assert.Equal(31337UL, await client.GetChainIdAsync());
        Assert.Equal(anvil.Node.RpcUrl, rpc.PreferredEndpoint);
        Assert.Equal(1, silent.Requests);
        Assert.Equal(31337UL, await client.GetChainIdAsync());
        Assert.Equal(1, silent.Requests);
    }

    [Fact]
    public async Task Rate_limit_error_is_retried_elsewhere_but_a_revert_is_not()
    {
        await using var limited = new StubRpcServer(_ => StubRpcServer.Http("""{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}"""));
        using var rpc = new JsonRpcClient(Fast(limited.Url, anvil.Node.RpcUrl));
        Assert.Equal(31337UL, await new EthereumClient(rpc).GetChainIdAsync());
        Assert.Equal(1, limited.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_an_outage()
    {
        await using var silent = new StubRpcServer(_ => null);
        using var rpc = new JsonRpcClient(new RpcOptions { Endpoints = [silent.Url], RequestTimeout = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EthereumClient(rpc).GetBlockNumberAsync(cancel.Token));
    }

    [Fact]
    public async Task New_heads_arrive_over_websocket()
    {
        var heads = new NewHeads(anvil.Rpc);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var start = await anvil.Node.BlockNumberAsync();
        var seen = new List<BlockHeader>();
        var mining = Task.Run(async () =>
        {
            while (heads.Source != HeadSource.WebSocket && !stop.IsCancellationRequested)
            {
                await Task.Delay(20);
            }
            await anvil.Node.MineAsync(3);
        });
        await foreach (var head in heads.WatchAsync(stop.Token))
        {
            Assert.Equal(HeadSource.WebSocket, heads.Source);
            seen.Add(head);
            if (head.Number >= (ulong)start + 3)
            {
                break;
            }
        }
        await mining;
        Assert.Equal([.. Enumerable.Range(1, 3).Select(i => (ulong)start + (ulong)i)], seen.Select(h => h.Number).TakeLast(3));
        Assert.Equal(seen[^2].Hash, seen[^1].ParentHash);
    }

    [Fact]
    public async Task New_heads_fall_back_to_polling_and_fill_gaps()
    {
        using var rpc = new JsonRpcClient(new RpcOptions
        {
            Endpoints = [anvil.Node.RpcUrl],
            WebSocketEndpoints = [new Uri($"ws://127.0.0.1:{FreePort.Next()}")],
            HeadPollInterval = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        var heads = new NewHeads(rpc);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<ulong>();
        ulong? target = null;
        await foreach (var head in heads.WatchAsync(stop.Token))
        {
            Assert.Equal(HeadSource.Polling, heads.Source);
            seen.Add(head.Number);
            if (target is null)
            {
                target = head.Number + 5;
                await anvil.Node.MineAsync(5);
            }
            else if (head.Number >= target)
            {
                break;
            }
        }
        Assert.NotNull(heads.LastWebSocketError);
        Assert.Equal([.. Enumerable.Range(0, 6).Select(i => seen[0] + (ulong)i)], seen.Where(n => n >= seen[0]).Distinct().Take(6));
    }

    [Fact]
    public async Task A_silent_subscription_is_taken_for_stuck_and_polling_takes_over()
    {
        using var rpc = new JsonRpcClient(new RpcOptions
        {
            Endpoints = [anvil.Node.RpcUrl],
            WebSocketEndpoints = [anvil.Node.WebSocketUrl],
            WebSocketStallTimeout = TimeSpan.FromMilliseconds(300),
            HeadPollInterval = TimeSpan.FromMilliseconds(100),
        });
        var heads = new NewHeads(rpc);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var enumerator = heads.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var first = enumerator.MoveNextAsync();
        while (heads.Source != HeadSource.Polling)
        {
            await Task.Delay(50, stop.Token);
        }
        Assert.Contains("no new head", heads.LastWebSocketError, StringComparison.Ordinal);
        Assert.True(await first);
        var target = enumerator.Current.Number + 1;
        await anvil.Node.MineAsync();
        while (await enumerator.MoveNextAsync() && enumerator.Current.Number < target)
        {
        }
        Assert.Equal(target, enumerator.Current.Number);
        await enumerator.DisposeAsync();
    }

    [Fact]
    public async Task Resending_a_transaction_the_node_already_holds_counts_as_sent()
    {
        await using var stub = new StubRpcServer(_ => StubRpcServer.Http("""{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"already known"}}"""));
        using var rpc = new JsonRpcClient(Fast(stub.Url));
        using var signer = Signing.LocalKeySigner.FromHex(AnvilFixture.DevKey0);
        var signed = await Signing.EthSignerExtensions.SignTransactionAsync(signer, new Transactions.Eip1559Transaction { ChainId = 1, Nonce = 0, GasLimit = 21000, MaxFeePerGas = 1, MaxPriorityFeePerGas = 1, To = signer.Address });
        Assert.Equal(signed.Hash, await new EthereumClient(rpc).SendRawTransactionAsync(signed));
    }
}
