using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hosting.TestKit;

/// <summary>
/// A real anvil on a free loopback port for one test class. Mining is on demand unless a block time is
/// given; the process is killed on dispose and when the test host exits, so no run leaves one behind.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable
{
    /// <summary>anvil's well-known first dev account (mnemonic "test test ... junk"); test-only, holds devnet ether.</summary>
    public const string DevAccount0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    private readonly Process _process;

    private AnvilNode(Process process, int port, long chainId)
    {
        _process = process;
        Port = port;
        ChainId = chainId;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    public int Port { get; }
    public long ChainId { get; }
    public Uri RpcUrl => new($"http://127.0.0.1:{Port}");
    public Uri WebSocketUrl => new($"ws://127.0.0.1:{Port}");

    public static async Task<AnvilNode> StartAsync(int? blockTimeSeconds = null, long chainId = 31337, int accounts = 10, IEnumerable<string>? extraArguments = null)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo(Tools.Anvil)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(), "--chain-id", chainId.ToString(), "--accounts", accounts.ToString(), "--silent" })
        {
            info.ArgumentList.Add(argument);
        }
        if (blockTimeSeconds is { } seconds)
        {
            info.ArgumentList.Add("--block-time");
            info.ArgumentList.Add(seconds.ToString());
        }
        foreach (var argument in extraArguments ?? [])
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start anvil.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new AnvilNode(process, port, chainId);
        await node.WaitUntilAnsweringAsync();
        return node;
    }

    /// <summary>Calls a JSON-RPC method on the node directly (anvil_mine, evm_snapshot…), for test set-up only.</summary>
    public async Task<JsonElement> RpcAsync(string method, params object[] parameters)
    {
        using var http = new HttpClient();
        var response = await http.PostAsJsonAsync(RpcUrl, new { jsonrpc = "2.0", id = 1, method, @params = parameters });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"anvil {method} failed: {error}");
        }
        return body.GetProperty("result").Clone();
    }

    public Task MineAsync(int blocks = 1) => RpcAsync("anvil_mine", $"0x{blocks:x}");

    public async Task<long> BlockNumberAsync() =>
        Convert.ToInt64((await RpcAsync("eth_blockNumber")).GetString(), 16);

    private async Task WaitUntilAnsweringAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"anvil exited with {_process.ExitCode} before answering on port {Port}.");
            }
            try
            {
                await BlockNumberAsync();
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
