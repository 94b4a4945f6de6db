using ControlApi.Tests.Shared;
using k8s;
using k8s.Models;

namespace ControlApi.Tests.Deploy;

/// <summary>
/// deploy/ha/: several replicas on PostgreSQL (CloudNativePG). It builds on deploy/base through
/// kustomize, so what is checked here is the HA layer: its own manifests parse strictly, the
/// Deployment patch asks for what several replicas need, and nothing weakens or widens the base.
/// </summary>
public sealed class HaManifestsTests
{
    private static readonly string Ha = RepositoryRoot.PathOf("deploy", "ha");

    private static Dictionary<object, object> Kustomization() =>
        (Dictionary<object, object>)new YamlDotNet.Serialization.Deserializer().Deserialize<object>(File.ReadAllText(Path.Combine(Ha, "kustomization.yaml")))!;

    private static V1Deployment Patch() => KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(Path.Combine(Ha, "deployment-ha.yaml")), strict: true);

    private static V1Deployment BaseDeployment() =>
        KubernetesYaml.Deserialize<V1Deployment>(File.ReadAllText(RepositoryRoot.PathOf("deploy", "base", "deployment.yaml")), strict: true);

    public static TheoryData<string> KubernetesManifests() => ["deployment-ha.yaml", "migrate-job.yaml", "pdb.yaml"];

    [Theory]
    [MemberData(nameof(KubernetesManifests))]
    public void Every_kubernetes_manifest_parses_into_the_model_types_without_unknown_fields(string file)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Ha, file)), typeMap: null, strict: true);
        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
    }

    [Fact]
    public void The_kustomization_builds_on_the_base_and_lists_every_file_of_the_folder()
    {
        var kustomization = Kustomization();
        var resources = ((List<object>)kustomization["resources"]).Cast<string>().ToList();
        var patches = ((List<object>)kustomization["patches"]).Cast<Dictionary<object, object>>().Where(p => p.ContainsKey("path")).Select(p => (string)p["path"]).ToList();

        Assert.Contains("../base", resources);
        var inFolder = Directory.GetFiles(Ha, "*.yaml").Select(f => Path.GetFileName(f)!).Where(f => f != "kustomization.yaml").Order().ToList();
        Assert.Equal(inFolder, resources.Where(r => r != "../base").Concat(patches).Order().ToList());
    }

    [Fact]
    public void Several_replicas_roll_one_at_a_time_spread_over_nodes_on_PostgreSQL_from_a_mounted_secret()
    {
        var patch = Patch();
        var pod = patch.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.True(patch.Spec.Replicas >= 2);
        Assert.Equal("RollingUpdate", patch.Spec.Strategy.Type);
        var spread = Assert.Single(pod.TopologySpreadConstraints);
        Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
        Assert.Equal(BaseDeployment().Spec.Selector.MatchLabels, spread.LabelSelector.MatchLabels);

        Assert.Equal("PostgreSql", container.Env.Single(e => e.Name == "ControlApi__Database__Provider").Value);
        var file = container.Env.Single(e => e.Name == "ControlApi__Database__ConnectionStringFile").Value;
        var mount = Assert.Single(container.VolumeMounts, m => file.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        Assert.True(mount.ReadOnlyProperty);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == mount.Name).Secret);
        Assert.DoesNotContain(container.Env, e => e.Name == "ControlApi__Database__ConnectionString");

        // The SQLite volume is gone: the data directory is per replica.
        var data = pod.Volumes.Single(v => v.Name == "data");
        Assert.Null(data.PersistentVolumeClaim);
        Assert.NotNull(data.EmptyDir);
        Assert.Contains("controlapi-data", File.ReadAllText(Path.Combine(Ha, "kustomization.yaml")));

        // Readiness stays the base's /readyz, which the patch does not replace.
        Assert.Null(container.ReadinessProbe);
        Assert.Equal("/readyz", Assert.Single(BaseDeployment().Spec.Template.Spec.Containers).ReadinessProbe.HttpGet.Path);
    }

    [Fact]
    public void The_disruption_budget_keeps_one_replica_and_selects_the_pods()
    {
        var pdb = KubernetesYaml.Deserialize<V1PodDisruptionBudget>(File.ReadAllText(Path.Combine(Ha, "pdb.yaml")), strict: true);

        Assert.Equal("1", pdb.Spec.MinAvailable.Value);
        var labels = BaseDeployment().Spec.Template.Metadata.Labels;
        Assert.All(pdb.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, labels[l.Key]));
        Assert.True(Patch().Spec.Replicas > int.Parse(pdb.Spec.MinAvailable.Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_migrate_job_and_the_database_cluster_agree_on_the_app_secret()
    {
        var job = KubernetesYaml.Deserialize<V1Job>(File.ReadAllText(Path.Combine(Ha, "migrate-job.yaml")), strict: true);
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.Equal(["migrate"], container.Args);
        Assert.Equal(Assert.Single(BaseDeployment().Spec.Template.Spec.Containers).Image, container.Image);

        // CloudNativePG's Cluster is a custom resource: read as plain YAML.
        var cluster = (Dictionary<object, object>)new YamlDotNet.Serialization.Deserializer().Deserialize<object>(File.ReadAllText(Path.Combine(Ha, "postgres-cluster.yaml")))!;
        Assert.Equal("postgresql.cnpg.io/v1", cluster["apiVersion"]);
        Assert.Equal("Cluster", cluster["kind"]);
        var spec = (Dictionary<object, object>)cluster["spec"];
        Assert.Equal("3", spec["instances"]);
        var name = (string)((Dictionary<object, object>)cluster["metadata"])["name"];
        // CNPG names the app Secret <cluster>-app; the Job and the replicas read the same one.
        Assert.Equal($"{name}-app", job.Spec.Template.Spec.Volumes.Single(v => v.Secret is not null).Secret.SecretName);
        Assert.Equal($"{name}-app", Patch().Spec.Template.Spec.Volumes.Single(v => v.Secret is not null).Secret.SecretName);
    }

    [Fact]
    public void The_ha_layer_adds_no_RBAC_and_no_secret_values()
    {
        var files = Directory.GetFiles(Ha, "*.yaml");
        var kinds = files.SelectMany(File.ReadAllLines).Select(l => l.Trim()).Where(l => l.StartsWith("kind:", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(kinds, k => k.Contains("Role", StringComparison.Ordinal) || k == "kind: Secret" || k == "kind: ServiceAccount");
    }
}
