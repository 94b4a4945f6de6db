using System.Net;
using System.Net.Sockets;

namespace ControlApi.Tests.Support;

/// <summary>A loopback port nobody listens on right now, for a service or server a test starts as its own process.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
