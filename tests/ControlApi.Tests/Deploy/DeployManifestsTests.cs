using System.Text.Json.Nodes;
using ControlApi.Tests.Shared;
using k8s;
using k8s.Models;

namespace ControlApi.Tests.Deploy;

/// <summary>deploy/ is what people apply to their cluster: it must be exactly what Kubernetes accepts.</summary>
public sealed class DeployManifestsTests
{
    private static readonly string Base = RepositoryRoot.PathOf("deploy", "base");

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Base, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_manifest_parses_into_the_Kubernetes_model_types_without_unknown_fields(string file)
    {
        // strict: an unknown or misspelt field throws instead of being dropped, as kubectl --validate=strict would refuse it.
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Base, file)), typeMap: null, strict: true);

        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
    }

    [Fact]
    public void The_kustomization_lists_exactly_the_manifests_in_the_folder()
    {
        var kustomization = (Dictionary<object, object>)new YamlDotNet.Serialization.Deserializer().Deserialize<object>(File.ReadAllText(Path.Combine(Base, "kustomization.yaml")))!;
        var listed = ((List<object>)kustomization["resources"]).Cast<string>().Order().ToList();

        var inFolder = Directory.GetFiles(Base, "*.yaml").Select(f => Path.GetFileName(f)!).Where(f => f != "kustomization.yaml").Order().ToList();
        Assert.Equal(inFolder, listed);
    }

    [Fact]
    public void The_deployment_runs_hardened_with_probes_limits_and_only_secret_references()
    {
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Path.Combine(Base, "deployment.yaml")), strict: true);
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.NotNull(container.Resources.Limits);
        Assert.NotNull(container.Resources.Requests);
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/data");
        Assert.All(container.Env.Where(e => e.Name.Contains("KEY", StringComparison.OrdinalIgnoreCase) || e.Name.Contains("SECRET", StringComparison.OrdinalIgnoreCase)),
            e => Assert.True(e.ValueFrom?.SecretKeyRef is not null || e.Value?.StartsWith("/secrets/", StringComparison.Ordinal) == true, $"{e.Name} must reference a secret, not carry a value"));
        Assert.DoesNotContain(Directory.GetFiles(Base, "*.yaml").SelectMany(File.ReadAllLines), line => line.TrimStart().StartsWith("kind: Secret", StringComparison.Ordinal));
    }

    [Fact]
    public void The_flux_example_deploys_the_base_from_the_gitops_repository()
    {
        var text = File.ReadAllText(RepositoryRoot.PathOf("deploy", "flux", "controlapi.yaml"));
        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(text)))!;

        Assert.Equal("kustomize.toolkit.fluxcd.io/v1", (string)json["apiVersion"]!);
        Assert.Equal("Kustomization", (string)json["kind"]!);
        Assert.Equal("GitRepository", (string)json["spec"]!["sourceRef"]!["kind"]!);
        Assert.EndsWith("/base", (string)json["spec"]!["path"]!);
        Assert.Equal("True", json["spec"]!["prune"]!.ToString(), ignoreCase: true);
    }
}
