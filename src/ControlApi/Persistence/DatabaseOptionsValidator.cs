using ControlApi.Data;
using Microsoft.Extensions.Options;

namespace ControlApi.Persistence;

/// <summary>Refuses a database configuration that cannot work, naming the key; never quotes a connection string.</summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        const string key = DatabaseOptions.SectionName;
        var failures = new List<string>();
        var inline = !string.IsNullOrWhiteSpace(options.ConnectionString);
        var file = !string.IsNullOrWhiteSpace(options.ConnectionStringFile);
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                if (inline || file)
                    failures.Add($"{key}:ConnectionString and {key}:ConnectionStringFile apply to {key}:Provider=PostgreSql; SQLite keeps its file in ControlApi:DataDirectory. Remove them, or set the provider.");
                break;
            case DatabaseProvider.PostgreSql:
                if (inline == file)
                    failures.Add($"{key}:Provider=PostgreSql needs exactly one of {key}:ConnectionString or {key}:ConnectionStringFile (a mounted Secret).");
                else if (file && !File.Exists(options.ConnectionStringFile))
                    failures.Add($"{key}:ConnectionStringFile '{options.ConnectionStringFile}' does not exist or cannot be read.");
                else if (DatabaseConnection.TryParse(options, out var error) is null)
                    failures.Add($"{key}:{(file ? "ConnectionStringFile" : "ConnectionString")} is not a valid PostgreSQL connection string: {error}");
                break;
            default:
                failures.Add($"{key}:Provider '{options.Provider}' is not Sqlite or PostgreSql.");
                break;
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
