using System.Diagnostics;

namespace Hosting.TestKit;

/// <summary>infra/l1 deployed by its own forge script onto a test's anvil, as the `hosting devnet` command does.</summary>
public static class InfraL1
{
    /// <summary>
    /// A fresh anvil with infra/l1 deployed. forge's broadcast has been seen to wait forever for a receipt on a
    /// loaded machine (the script itself done); such an attempt is abandoned and made again on a new anvil.
    /// </summary>
    public static async Task<AnvilNode> StartDeployedAnvilAsync(string file)
    {
        for (var attempt = 1; ; attempt++)
        {
            var anvil = await AnvilNode.StartAsync();
            try
            {
                await DeployAsync(anvil, file);
                return anvil;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await anvil.DisposeAsync();
            }
            catch
            {
                await anvil.DisposeAsync();
                throw;
            }
        }
    }

    // A deploy whose artifacts are cached (./hosting test builds them first) takes seconds; a cold one compiles
    // with solcjs, which can take minutes on a loaded machine.
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromSeconds(240);

    /// <summary>Runs infra/l1's deploy script against the anvil, as the `hosting devnet` command does.</summary>
    public static async Task DeployAsync(AnvilNode anvil, string file)
    {
        var info = new ProcessStartInfo(Tools.Forge)
        {
            WorkingDirectory = RepositoryRoot.Combine("infra", "l1"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "script", "script/Deploy.s.sol:Deploy", "--rpc-url", anvil.RpcUrl.ToString(), "--broadcast", "--slow", "--unlocked", "--sender", AnvilNode.DevAccount0 })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DEPLOYMENT_FILE"] = file;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(DeployTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"forge script Deploy did not finish in {DeployTimeout.TotalSeconds:0} s against {anvil.RpcUrl}: {await error} {await output}");
        }
        if (process.ExitCode != 0 || !File.Exists(file))
        {
            throw new InvalidOperationException($"forge script Deploy failed ({process.ExitCode}): {await error} {await output}");
        }
    }

}
