using System.Globalization;
using System.Text.Json.Nodes;

namespace ControlApi.TestCluster.Simulator;

/// <summary>A simulated node: its name, addresses and role.</summary>
public sealed record SimulatedNode(int Index, string Name, bool ControlPlane)
{
    public string InternalIp => $"10.4.{(Index / 250).ToString(CultureInfo.InvariantCulture)}.{(10 + Index % 250).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Talos' default pod subnet 10.244.0.0/16 cut into per-node /24s (beyond 256 nodes it spills into 10.245+).</summary>
    public string PodCidr => $"10.{(244 + Index / 256).ToString(CultureInfo.InvariantCulture)}.{(Index % 256).ToString(CultureInfo.InvariantCulture)}.0/24";

    public string PodIp(int host) => PodCidr.Replace(".0/24", "." + host.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

/// <summary>
/// The objects of a Talos + Flux + Cilium cluster, shaped like the real ones (labels, owner
/// references, status fields) for what ControlApi reads.
/// </summary>
internal static class ClusterObjects
{
    public const string CiliumNamespace = "kube-system";
    public const string FluxNamespace = "flux-system";
    public const string AgentContainer = "cilium-agent";
    public const string WireguardKeyAnnotation = "network.cilium.io/wg-pub-key";
    public const string ConfigChecksumAnnotation = "cilium.io/cilium-configmap-checksum";
    public const string ReconcileRequestAnnotation = "reconcile.fluxcd.io/requestedAt";

    public static JsonObject Namespace(string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
        ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };

    public static JsonObject Node(SimulatedNode node)
    {
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = node.Name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "arm64",
        };
        if (node.ControlPlane) labels["node-role.kubernetes.io/control-plane"] = "";
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = node.Name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["podCIDR"] = node.PodCidr, ["podCIDRs"] = new JsonArray(node.PodCidr) },
            ["status"] = new JsonObject
            {
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = node.InternalIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = node.Name }),
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status" }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.33.0", ["osImage"] = "Talos (v1.13.9)", ["containerRuntimeVersion"] = "containerd://2.1.4" },
            },
        };
    }

    public static JsonObject CiliumNode(SimulatedNode node, string? wireguardKey)
    {
        var annotations = new JsonObject();
        if (wireguardKey is not null) annotations[WireguardKeyAnnotation] = wireguardKey;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = node.Name,
                ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = node.Name },
                ["annotations"] = annotations,
            },
            ["spec"] = new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["ip"] = node.InternalIp }),
                ["ipam"] = new JsonObject { ["podCIDRs"] = new JsonArray(node.PodCidr) },
            },
            ["status"] = new JsonObject(),
        };
    }

    public static JsonObject DaemonSet(string name, string @namespace, IReadOnlyDictionary<string, string> selector, string container, string image, JsonObject templateAnnotations, string? uid = null)
    {
        var labels = new JsonObject(selector.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 2, ["maxSurge"] = 0 } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone(), ["annotations"] = templateAnnotations },
                    ["spec"] = new JsonObject
                    {
                        ["hostNetwork"] = true,
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
                    },
                },
            },
            ["status"] = new JsonObject
            {
                ["currentNumberScheduled"] = 0, ["desiredNumberScheduled"] = 0, ["numberMisscheduled"] = 0, ["numberReady"] = 0,
            },
        };
    }

    /// <summary>A DaemonSet pod on a node: hostNetwork, owned by the DaemonSet, Pending until the kubelet starts it.</summary>
    public static JsonObject DaemonSetPod(
        string name, string @namespace, SimulatedNode node, IReadOnlyDictionary<string, string> selector, string templateHash, long templateGeneration,
        string container, string image, string daemonSetName, string? daemonSetUid)
    {
        var labels = new JsonObject(selector.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)))
        {
            ["controller-revision-hash"] = templateHash,
            ["pod-template-generation"] = templateGeneration.ToString(CultureInfo.InvariantCulture),
        };
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["labels"] = labels };
        if (daemonSetUid is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = "DaemonSet", ["name"] = daemonSetName, ["uid"] = daemonSetUid, ["controller"] = true, ["blockOwnerDeletion"] = true,
            });
        }
        return new JsonObject
        {
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node.Name,
                ["hostNetwork"] = true,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["hostIP"] = node.InternalIp,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" }),
            },
        };
    }

    /// <summary>The kubelet's view once the container runs (ready) or keeps crashing.</summary>
    public static void SetPodRunning(JsonObject pod, string container, string podIp, DateTimeOffset now, bool ready, string? crashMessage = null, int restarts = 0)
    {
        var status = pod["status"]!.AsObject();
        status["phase"] = "Running";
        status["podIP"] = podIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
        status["startTime"] ??= Api.KubeTime.Format(now);
        var readiness = ready ? "True" : "False";
        status["conditions"] = new JsonArray(
            new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" },
            new JsonObject { ["type"] = "Initialized", ["status"] = "True" },
            new JsonObject { ["type"] = "ContainersReady", ["status"] = readiness },
            new JsonObject { ["type"] = "Ready", ["status"] = readiness, ["lastTransitionTime"] = Api.KubeTime.Format(now) });
        var containerStatus = new JsonObject
        {
            ["name"] = container,
            ["ready"] = ready,
            ["started"] = crashMessage is null,
            ["restartCount"] = restarts,
            ["image"] = pod["spec"]!["containers"]![0]!["image"]!.DeepClone(),
        };
        if (crashMessage is null)
        {
            containerStatus["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Api.KubeTime.Format(now) } };
        }
        else
        {
            containerStatus["state"] = new JsonObject
            {
                ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={container} pod={pod["metadata"]!["name"]}" },
            };
            containerStatus["lastState"] = new JsonObject
            {
                ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["message"] = crashMessage, ["finishedAt"] = Api.KubeTime.Format(now) },
            };
        }
        status["containerStatuses"] = new JsonArray(containerStatus);
    }

    public static JsonObject ConfigMap(string name, string @namespace, IReadOnlyDictionary<string, string> data) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = @namespace,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "Helm" },
            ["annotations"] = new JsonObject { ["meta.helm.sh/release-name"] = "cilium", ["meta.helm.sh/release-namespace"] = @namespace },
        },
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
    };

    public static JsonObject GitRepository(string url, string branch) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "flux-system", ["namespace"] = FluxNamespace },
        ["spec"] = new JsonObject
        {
            ["interval"] = "1m0s",
            ["ref"] = new JsonObject { ["branch"] = branch },
            ["secretRef"] = new JsonObject { ["name"] = "flux-system" },
            ["timeout"] = "60s",
            ["url"] = url,
        },
        ["status"] = new JsonObject(),
    };

    public static JsonObject Kustomization(string path) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "cilium", ["namespace"] = FluxNamespace },
        ["spec"] = new JsonObject
        {
            ["interval"] = "10m0s",
            ["path"] = path,
            ["prune"] = true,
            ["wait"] = true,
            ["timeout"] = "5m0s",
            ["sourceRef"] = new JsonObject { ["kind"] = "GitRepository", ["name"] = "flux-system" },
        },
        ["status"] = new JsonObject(),
    };

    public static JsonObject Service(string name, string @namespace, string type, JsonObject? annotations, IReadOnlyDictionary<string, string> selector, int port, int targetPort, string? loadBalancerIp)
    {
        var selectorJson = new JsonObject(selector.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        var service = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = @namespace,
                ["labels"] = selectorJson.DeepClone(),
                ["annotations"] = annotations ?? new JsonObject(),
            },
            ["spec"] = new JsonObject
            {
                ["type"] = type,
                ["selector"] = selectorJson,
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["protocol"] = "TCP", ["targetPort"] = targetPort }),
                ["clusterIP"] = "10.96.0.80",
            },
            ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
        };
        if (type == "LoadBalancer" && loadBalancerIp is not null)
            service["status"]!["loadBalancer"]!["ingress"] = new JsonArray(new JsonObject { ["ip"] = loadBalancerIp, ["ipMode"] = "VIP" });
        return service;
    }

    public static JsonObject CiliumEndpoint(string podName, string @namespace, string podIp, SimulatedNode node) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = podName,
            ["namespace"] = @namespace,
            ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = podName }),
        },
        ["status"] = new JsonObject
        {
            ["networking"] = new JsonObject
            {
                ["node"] = node.InternalIp,
                ["addressing"] = new JsonArray(new JsonObject { ["ipv4"] = podIp }),
            },
            ["state"] = "ready",
        },
    };

    /// <summary>A plain workload pod (not a DaemonSet pod), running with an IP from its node's pod CIDR.</summary>
    public static JsonObject WorkloadPod(string name, string @namespace, SimulatedNode node, IReadOnlyDictionary<string, string> labels, string container, string image, string podIp, DateTimeOffset now)
    {
        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = @namespace,
                ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node.Name,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
            },
            ["status"] = new JsonObject { ["phase"] = "Pending", ["hostIP"] = node.InternalIp },
        };
        SetPodRunning(pod, container, podIp, now, ready: true);
        return pod;
    }
}
