using System.Reflection;
using System.Text.RegularExpressions;
using ControlApi.Tests.Shared;

namespace ControlApi.Tests.Docs;

/// <summary>The README's configuration reference names every option the service binds.</summary>
public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void Every_options_property_is_in_the_README_configuration_reference()
    {
        var reference = ConfigurationSection(File.ReadAllText(RepositoryRoot.PathOf("README.md")));
        var documented = Backticked().Matches(reference).SelectMany(m => m.Groups[1].Value.Split('.', '[', ']', ':', ' ', '/'))
            .Where(part => part.Length > 0).ToHashSet(StringComparer.Ordinal);

        var missing = OptionsRoots()
            .SelectMany(root => Leaves(root.Type, root.Section))
            .Where(leaf => !documented.Contains(leaf.Name))
            .Select(leaf => leaf.Path)
            .ToList();

        Assert.True(missing.Count == 0, "README's Configuration section lacks: " + string.Join(", ", missing));
    }

    /// <summary>Options classes declare their section with a <c>SectionName</c> constant.</summary>
    private static IEnumerable<(Type Type, string Section)> OptionsRoots() =>
        typeof(Program).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Type.Name.EndsWith("Options", StringComparison.Ordinal))
            .Select(t => (t.Type, (string)t.Field!.GetRawConstantValue()!));

    private static IEnumerable<(string Name, string Path)> Leaves(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            var path = $"{prefix}:{property.Name}";
            var element = ElementType(property.PropertyType);
            if (element is not null && IsOptionsObject(element))
                foreach (var leaf in Leaves(element, path + ":0")) yield return leaf;
            else if (IsOptionsObject(property.PropertyType))
                foreach (var leaf in Leaves(property.PropertyType, path)) yield return leaf;
            else
                yield return (property.Name, path);
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    private static bool IsOptionsObject(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("ControlApi", StringComparison.Ordinal) == true;

    private static string ConfigurationSection(string readme)
    {
        var start = readme.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '## Configuration' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
