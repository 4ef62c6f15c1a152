namespace Hosting.Silo.Transactions;

/// <summary>The HTTP ingress's rate limit per client address (Hosting:Transactions).</summary>
public sealed class TransactionIngressOptions
{
    /// <summary>Submissions one client address may make per window; further ones get 429 until the window ends.</summary>
    public int PermitsPerWindow { get; set; } = 100;

    public int WindowSeconds { get; set; } = 10;

    public IEnumerable<string> Validate()
    {
        if (PermitsPerWindow < 1)
        {
            yield return $"Hosting:Transactions:PermitsPerWindow must be at least 1, got {PermitsPerWindow}.";
        }
        if (WindowSeconds < 1)
        {
            yield return $"Hosting:Transactions:WindowSeconds must be at least 1, got {WindowSeconds}.";
        }
    }
}
