using Microsoft.Extensions.Options;

namespace ControlApi.Configuration;

public static class ConfigurationExtensions
{
    /// <summary>
    /// Binds and validates the <c>ControlApi</c> section at start; a bad configuration stops the
    /// service with messages naming each key. A relative <c>DataDirectory</c> is resolved against
    /// the working directory (so <c>dotnet run</c> from the repository keeps data in <c>./data</c>).
    /// </summary>
    public static WebApplicationBuilder AddControlApiConfiguration(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ControlApiOptions>()
            .Bind(builder.Configuration.GetSection(ControlApiOptions.SectionName))
            .PostConfigure(options => options.DataDirectory = string.IsNullOrWhiteSpace(options.DataDirectory)
                ? options.DataDirectory
                : Path.GetFullPath(options.DataDirectory, Environment.CurrentDirectory))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ControlApiOptions>, ControlApiOptionsValidator>();
        builder.Services.AddSingleton<DataPaths>();
        builder.Services.AddSingleton<ClusterCatalog>();
        // Instants cut to what both database engines keep (whole microseconds, UTC): see StorageClock.
        builder.Services.AddSingleton<TimeProvider>(new ControlApi.Data.StorageClock(TimeProvider.System));
        return builder;
    }
}
