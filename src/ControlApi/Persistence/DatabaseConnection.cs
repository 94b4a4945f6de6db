using ControlApi.Data;
using Npgsql;

namespace ControlApi.Persistence;

/// <summary>
/// The PostgreSQL connection string from <c>ControlApi:Database</c>: inline, or read from a file
/// (a mounted Secret; trailing newlines trimmed). It is handed to Npgsql and nowhere else: no log
/// line, problem or health answer quotes it.
/// </summary>
public static class DatabaseConnection
{
    public static string Resolve(DatabaseOptions options)
    {
        var text = options.ConnectionStringFile is { Length: > 0 } file ? File.ReadAllText(file) : options.ConnectionString ?? "";
        var builder = new NpgsqlConnectionStringBuilder(text.Trim());
        // Visible in pg_stat_activity, so a DBA can tell ControlApi's sessions apart.
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "controlapi";
        return builder.ConnectionString;
    }

    /// <summary>The resolved connection string, or null with a reason that quotes no value (only a keyword).</summary>
    public static string? TryParse(DatabaseOptions options, out string error)
    {
        error = "";
        try
        {
            return Resolve(options);
        }
        catch (ArgumentException ex) when (ex.Message.StartsWith("Keyword not supported", StringComparison.Ordinal))
        {
            error = ex.Message;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            error = "a value could not be read (check ports, numbers and booleans).";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = "the file cannot be read.";
        }
        return null;
    }

    /// <summary>The server and database, for a start-up log line: no user, no password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
