namespace ControlApi.Hosting;

/// <summary>
/// Where the service listens. Every standard ASP.NET Core way to choose the address wins —
/// <c>ASPNETCORE_URLS</c>/<c>URLS</c>/<c>DOTNET_URLS</c>/<c>--urls</c>/<c>Urls</c> in a settings file,
/// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (what container images set) and <c>Kestrel:Endpoints</c>;
/// only when none is given does <c>dotnet run</c> get the loopback default. The default is not in
/// appsettings.json, because a <c>Urls</c> there outranks the <c>ASPNETCORE_</c> variables (they are
/// read before the file) and silently hides HTTP_PORTS.
/// </summary>
public static class ListenAddress
{
    /// <summary>Loopback only: an unconfigured start must not be reachable from the network.</summary>
    public const string Default = "http://127.0.0.1:8080";

    /// <summary>Whether the configuration already says where to listen (all those sources end up in it).</summary>
    public static bool IsChosen(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return HasValue(configuration[WebHostDefaults.ServerUrlsKey])
            || HasValue(configuration[WebHostDefaults.HttpPortsKey])
            || HasValue(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
    }

    /// <summary>The default when nothing chose an address; otherwise <c>null</c> (Kestrel follows the configuration).</summary>
    public static string? DefaultUnlessChosen(IConfiguration configuration) => IsChosen(configuration) ? null : Default;

    private static bool HasValue(string? value) => !string.IsNullOrWhiteSpace(value);
}
