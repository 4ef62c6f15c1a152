using Hosting.Signing;
using Hosting.Silo;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>The silo setting for the gate's bound of provers per slot reaches the gate, and a bound below one stops the silo naming it.</summary>
public sealed class ProverBoundSettingTests
{
    private static readonly string[] Postgres = ["--Hosting:Postgres:ConnectionString=Host=127.0.0.1;Database=unused", "--Hosting:Postgres:MigrateOnStart=false"];

    [Fact]
    public async Task The_silo_setting_is_the_gates_bound_and_zero_is_refused_at_start()
    {
        await using (var app = SiloApplication.Build([.. Postgres, "--Hosting:Keys:MaxCommitmentAuthorisationsPerSlot=2"]))
        {
            Assert.Equal(2, app.Services.GetRequiredService<SigningGateOptions>().MaxCommitmentAuthorisationsPerSlot);
        }
        await using (var app = SiloApplication.Build([.. Postgres]))
        {
            Assert.Equal(4, app.Services.GetRequiredService<SigningGateOptions>().MaxCommitmentAuthorisationsPerSlot);
        }
        var refused = Assert.Throws<HostingConfigurationException>(() => SiloApplication.Build([.. Postgres, "--Hosting:Keys:MaxCommitmentAuthorisationsPerSlot=0"]));
        Assert.Contains(refused.Errors, e => e.Contains("Hosting:Keys:MaxCommitmentAuthorisationsPerSlot must be at least 1", StringComparison.Ordinal) && e.Contains("got 0", StringComparison.Ordinal));
    }
}
