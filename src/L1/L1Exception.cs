namespace Hosting.L1;

/// <summary>
/// The base of every error the L1 client raises on purpose, so a caller can tell "L1 said no or sent
/// nonsense" from a bug. Each subclass carries the offending value and what was expected.
/// </summary>
public abstract class L1Exception : Exception
{
    /// <summary>Creates the error with its message.</summary>
    protected L1Exception(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
