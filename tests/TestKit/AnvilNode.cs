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
    // Where anvil writes the historical states it no longer keeps in memory. Its default is ~/.foundry/anvil/tmp,
    // which it clears only on a clean exit: killed nodes left 10-12 GB each there and filled the disk.
    private readonly string _statesDirectory;

    private AnvilNode(Process process, int port, long chainId, string statesDirectory)
    {
        _process = process;
        _statesDirectory = statesDirectory;
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
        var states = Directory.CreateTempSubdirectory("anvil-states-").FullName;
        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(), "--chain-id", chainId.ToString(), "--accounts", accounts.ToString(), "--silent", "--cache-path", states })
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
        var node = new AnvilNode(process, port, chainId, states);
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

    /// <summary>Mines <paramref name="blocks"/> empty blocks, after the transactions already sent are mined in their own blocks.</summary>
    public async Task MineAsync(int blocks = 1)
    {
        await SettledAsync();
        await RpcAsync("anvil_mine", $"0x{blocks:x}");
    }

    /// <summary>The head's number, once the transactions already sent are mined (see <see cref="SettledAsync"/>).</summary>
    public async Task<long> BlockNumberAsync()
    {
        await SettledAsync();
        return Convert.ToInt64((await RpcAsync("eth_blockNumber")).GetString(), 16);
    }

    /// <summary>
    /// With automine on, waits (at most 5 s) until anvil's pool has no pending transaction. eth_sendRawTransaction
    /// answers before anvil mines the transaction's block, so a head read or an anvil_mine right after a send
    /// could miss that block or fold the transaction into a block the test meant to be empty: a test that mines
    /// to a phase boundary would then land one block late.
    /// </summary>
    public async Task SettledAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Convert.ToInt64((await RpcAsync("txpool_status")).GetProperty("pending").GetString(), 16) > 0
            && DateTime.UtcNow < deadline
            && (await RpcAsync("anvil_getAutomine")).GetBoolean())
        {
            await Task.Delay(5);
        }
    }

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
        try
        {
            Directory.Delete(_statesDirectory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Already gone, or still held: the temp directory's own cleanup takes it later.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
