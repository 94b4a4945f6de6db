using System.Reflection;
using System.Runtime.Loader;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

namespace ControlApi.Tests.Api;

/// <summary>
/// What a team that only has the OpenAPI document does: generate a C# client with NSwag, compile it,
/// and drive the service with it. Generated and compiled at test time (nothing generated is committed),
/// so a document a generator cannot turn into working code fails here.
/// </summary>
public sealed class GeneratedClientTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    /// <summary>Written against the generated types only, as a user of the generated client would write it.</summary>
    private const string Scenario = """
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;

        namespace Generated;

        public static class Scenario
        {
            public static async Task<Dictionary<string, object?>> RunAsync(System.Net.Http.HttpClient http)
            {
                var api = new ControlApiClient(http);
                var clusters = await api.ListClustersAsync();
                var before = await api.GetCiliumSettingsAsync("local");
                var change = await api.SwitchFeatureAsync("local", Feature.Encryption, new FeatureSwitch { Enabled = true });
                var revision = await api.GetRevisionAsync("local", change.Revision.Number);
                return new()
                {
                    ["clusters"] = string.Join(",", clusters.Select(c => c.Id)),
                    ["revisionBefore"] = before.Revision,
                    ["encryptionBefore"] = before.Settings?.Encryption?.Enabled,
                    ["changedRevision"] = change.Revision.Number,
                    ["revision"] = revision.Number,
                    ["revisionState"] = revision.State?.ToString(),
                    ["encryptionAfter"] = revision.Settings.Encryption.Enabled,
                    ["author"] = revision.Author,
                };
            }
        }
        """;

    [Fact]
    public async Task A_client_generated_from_the_document_compiles_and_drives_the_service()
    {
        using var anonymous = _factory.CreateClient();
        var document = await OpenApiDocument.FromJsonAsync(await anonymous.GetStringAsync("/openapi/v1.json"));
        var generated = new CSharpClientGenerator(document, new CSharpClientGeneratorSettings
        {
            ClassName = "ControlApiClient",
            GenerateClientInterfaces = false,
            GenerateOptionalParameters = true,
            // The HttpClient's BaseAddress is the service, as with any typed HttpClient.
            UseBaseUrl = false,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            CSharpGeneratorSettings = { Namespace = "Generated", JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson },
        }).GenerateFile();

        var assembly = Compile(generated, Scenario);
        var run = assembly.GetType("Generated.Scenario")!.GetMethod("RunAsync")!;
        using var operatorClient = _factory.CreateClient(Role.Operator);
        var results = await (Task<Dictionary<string, object?>>)run.Invoke(null, [operatorClient])!;

        Assert.Contains("local", ((string)results["clusters"]!).Split(','));
        Assert.Equal(false, results["encryptionBefore"]);
        Assert.Equal((int)results["revisionBefore"]! + 1, results["changedRevision"]);
        Assert.Equal(results["changedRevision"], results["revision"]);
        Assert.Equal(true, results["encryptionAfter"]);
        Assert.Equal(_factory.KeyNameFor(Role.Operator), results["author"]);
        Assert.Contains((string)results["revisionState"]!, new[] { "Accepted", "Committed" });
    }

    /// <summary>In memory, against the assemblies this test runs on; every compiler error fails the test with the generated line.</summary>
    private static Assembly Compile(params string[] sources)
    {
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("ControlApi.GeneratedClient", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(emitted.Success, "The generated client does not compile:\n" + string.Join("\n", errors.Take(30).Select(e =>
            $"{e.Id} {e.GetMessage()} — {e.Location.SourceTree?.GetText().Lines[e.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()}")));
        image.Position = 0;
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(image);
    }
}
