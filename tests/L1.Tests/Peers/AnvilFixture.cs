using Hosting.L1.Rpc;
using Hosting.TestKit;

namespace Hosting.L1.Tests.Peers;

/// <summary>One anvil shared by the tests of a class, with our own client pointed at it.</summary>
public sealed class AnvilFixture : IAsyncLifetime
{
    /// <summary>anvil's first dev key (mnemonic "test test … junk"): test-only, holds devnet ether.</summary>
    public const string DevKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    public AnvilNode Node { get; private set; } = null!;
    public JsonRpcClient Rpc { get; private set; } = null!;
    public EthereumClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await AnvilNode.StartAsync();
        Rpc = new JsonRpcClient(new RpcOptions { Endpoints = [Node.RpcUrl], WebSocketEndpoints = [Node.WebSocketUrl], HeadPollInterval = TimeSpan.FromMilliseconds(100) });
        Client = new EthereumClient(Rpc);
    }

    public async Task DisposeAsync()
    {
        Rpc.Dispose();
        await Node.DisposeAsync();
    }
}
