using Hosting.Contracts.L1;
using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Cluster.Tests.L1;

/// <summary>The devnet silo follows L1 only when it has contracts to follow; without them it starts all the same.</summary>
public sealed class DevnetFollowerTests
{
    [Fact]
    public async Task A_devnet_silo_whose_deployment_file_names_no_contracts_starts_with_the_follower_idle()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "{}");
        var app = SiloApplication.Build([
            "--Hosting:Mode=Devnet",
            $"--Hosting:SiloPort={FreePort.Next()}",
            $"--Hosting:GatewayPort={FreePort.Next()}",
            "--Hosting:L1:RpcUrls:0=http://127.0.0.1:9",
            $"--Hosting:L1:DeploymentFile={file}",
            $"--urls=http://127.0.0.1:{FreePort.Next()}",
        ]);
        try
        {
            await app.StartAsync();
            var follower = await app.Services.GetRequiredService<IGrainFactory>().GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync();
            Assert.False(follower.Configured);
            Assert.Null(follower.LastBlock);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            File.Delete(file);
        }
    }
}
