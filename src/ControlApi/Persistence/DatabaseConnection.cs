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
        var builder = FromText(text.Trim());
        // Visible in pg_stat_activity, so a DBA can tell ControlApi's sessions apart.
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "controlapi";
        return builder.ConnectionString;
    }

    /// <summary>
    /// Npgsql reads only keyword=value strings; CloudNativePG's app Secret also offers (key <c>uri</c>)
    /// the libpq URI form <c>postgresql://user:password@host:port/database?sslmode=require</c>, so both are read.
    /// </summary>
    private static NpgsqlConnectionStringBuilder FromText(string text)
    {
        if (!text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
            return new NpgsqlConnectionStringBuilder(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) throw new FormatException("not a PostgreSQL URI");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo is { Length: > 0 } info)
        {
            var colon = info.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? info : info[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(info[(colon + 1)..]);
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database) builder.Database = Uri.UnescapeDataString(database);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) continue;
            var value = Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (pair[..equals].ToLowerInvariant())
            {
                case "sslmode": builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", ""), ignoreCase: true); break;
                case "application_name": builder.ApplicationName = value; break;
                case "connect_timeout": builder.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Keyword not supported: '{pair[..equals]}'");
            }
        }
        return builder;
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
