using Hosting.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// Hosting:Membership:HeartbeatSeconds is the Production silo's Orleans heartbeat (what a whole-cluster restart waits
/// three of), 5 s unless set, and a value outside 1-30 stops the silo naming the setting and the value.
/// </summary>
public sealed class MembershipHeartbeatSettingTests
{
    private static readonly string[] Production =
    [
        "--Hosting:Mode=Production",
        "--Hosting:Postgres:ConnectionString=Host=127.0.0.1;Database=unused",
        "--Hosting:Postgres:MigrateOnStart=false",
        "--Hosting:Portal:AdminToken=membership-setting-test-admin-token-0123456789",
    ];

    [Fact]
    public async Task The_setting_is_the_silos_heartbeat_five_seconds_by_default_and_zero_or_a_minute_is_refused()
    {
        await using (var app = SiloApplication.Build([.. Production, "--Hosting:Membership:HeartbeatSeconds=7"]))
        {
            Assert.Equal(TimeSpan.FromSeconds(7), Heartbeat(app.Services));
        }
        await using (var app = SiloApplication.Build(Production))
        {
            var membership = app.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
            Assert.Equal(TimeSpan.FromSeconds(5), membership.IAmAliveTablePublishTimeout);
            // Probing, which decides deaths in a running cluster, stays Orleans' own.
            Assert.Equal(TimeSpan.FromSeconds(5), membership.ProbeTimeout);
            Assert.Equal(3, membership.NumMissedProbesLimit);
            Assert.Equal(2, membership.NumVotesForDeathDeclaration);
        }
        foreach (var wrong in new[] { "0", "60" })
        {
            var refused = Assert.Throws<HostingConfigurationException>(() => SiloApplication.Build([.. Production, $"--Hosting:Membership:HeartbeatSeconds={wrong}"]));
            Assert.Contains(refused.Errors, e => e == $"Hosting:Membership:HeartbeatSeconds must be between 1 and 30, got {wrong}.");
        }
    }

    private static TimeSpan Heartbeat(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.IAmAliveTablePublishTimeout;
}
