using System.Text.Json;

namespace ControlApi.Cli;

/// <summary>
/// Where the service is and which key to send. The key comes only from the environment or the
/// config file: a command-line option would put it in shell history and in every process listing.
/// </summary>
public sealed record CliSettings(Uri Server, string? Key)
{
    public const string UrlVariable = "CONTROLAPI_URL";
    public const string KeyVariable = "CONTROLAPI_KEY";
    public const string DefaultServer = "http://127.0.0.1:8080";

    /// <summary>~/.config/controlapi/config.json (or under XDG_CONFIG_HOME): {"server": "...", "key": "..."}.</summary>
    public static string? ConfigPath(Func<string, string?> variable)
    {
        var root = variable("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(root))
        {
            var home = variable("HOME") ?? variable("USERPROFILE");
            if (string.IsNullOrEmpty(home)) return null;
            root = Path.Combine(home, ".config");
        }
        return Path.Combine(root, "controlapi", "config.json");
    }

    /// <summary>Precedence: --server, then the environment, then the config file, then the default.</summary>
    public static CliSettings Resolve(string? serverOption, Func<string, string?> variable)
    {
        var file = ReadConfig(ConfigPath(variable));
        var server = Pick(serverOption, variable(UrlVariable), file?.Server) ?? DefaultServer;
        var key = Pick(variable(KeyVariable), file?.Key);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"The server '{server}' is not an http(s) URL.");
        return new CliSettings(uri, key);
    }

    private static string? Pick(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    private static ConfigFile? ReadConfig(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        catch (JsonException ex)
        {
            throw new UsageException($"The config file {path} is not valid JSON: {ex.Message}");
        }
    }

    private sealed record ConfigFile(string? Server, string? Key);
}

/// <summary>The command line (or its configuration) cannot be carried out as written: exit 2.</summary>
public sealed class UsageException(string message) : Exception(message);
