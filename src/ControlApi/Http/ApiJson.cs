using System.Text.Json;
using ControlApi.Core.Settings;

namespace ControlApi;

/// <summary>JSON for API responses: the settings contract's casing and enum names.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(SettingsJson.Options)
    {
        // Responses may carry nulls (e.g. revision 0 has no state); readers are lenient, writers exact.
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };
}
