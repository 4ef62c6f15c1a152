using System.Globalization;

namespace Hosting.Portal.Chain;

/// <summary>The head block and the observed seconds per block, for countdowns.</summary>
public sealed record ChainClock(ulong Head, DateTimeOffset HeadTime, double SecondsPerBlock)
{
    /// <summary>When <paramref name="block"/> is expected, at the observed pace.</summary>
    public DateTimeOffset Estimate(ulong block) =>
        block <= Head ? HeadTime : HeadTime + TimeSpan.FromSeconds((block - Head) * SecondsPerBlock);

    /// <summary>"in 12 blocks, about 2 min 24 s (14:05 UTC)", or "reached" for a block at or below the head.</summary>
    public string Countdown(ulong block)
    {
        if (block <= Head)
        {
            return $"reached (block {block}, head {Head})";
        }
        var blocks = block - Head;
        var wait = TimeSpan.FromSeconds(blocks * SecondsPerBlock);
        var words = wait.TotalHours >= 24 ? $"{wait.TotalDays:0.#} days"
            : wait.TotalMinutes >= 60 ? $"{(int)wait.TotalHours} h {wait.Minutes} min"
            : wait.TotalSeconds >= 60 ? $"{(int)wait.TotalMinutes} min {wait.Seconds} s"
            : $"{(int)wait.TotalSeconds} s";
        return $"in {blocks} block{(blocks == 1 ? "" : "s")}, about {words} ({Estimate(block).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)";
    }
}
