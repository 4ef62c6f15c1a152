using System.Net.Sockets;

namespace Hosting.Silo;

public static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var app = SiloApplication.Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (HostingConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        catch (Exception e) when (FindAddressInUse(e) is { } inUse)
        {
            await Console.Error.WriteLineAsync($"A port this silo needs is already taken: {inUse.Message}. Stop what holds it or choose other ports (--urls, Hosting:SiloPort, Hosting:GatewayPort).");
            return 3;
        }
    }

    private static Exception? FindAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || (e is IOException && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                return e;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(FindAddressInUse).FirstOrDefault(x => x is not null) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
