namespace Hosting.Grains;

/// <summary>The one grain storage every grain writes to: memory on an ephemeral devnet, PostgreSQL in production.</summary>
public static class GrainStorage
{
    public const string Name = "hosting";
}
