namespace ControlApi.Probes;

/// <summary><c>ControlApi:Probes</c>: how ControlApi reads a cluster — timeouts, paging, exec fan-out, names.</summary>
public sealed class ProbeOptions
{
    public const string SectionName = "ControlApi:Probes";

    /// <summary>One GET or LIST page; a slower API server counts as unreachable for that observation.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>One <c>cilium-dbg status</c> exec in one agent pod.</summary>
    public TimeSpan ExecTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Execs running at once, per observation: enough to verify a big cluster quickly, few enough not to hammer kubelets.</summary>
    public int ExecConcurrency { get; set; } = 16;

    /// <summary>Agents the routine poll asks (a rotating, evenly spread sample); verification always asks every agent.</summary>
    public int PollAgentSample { get; set; } = 20;

    /// <summary>LIST page size (<c>limit</c>; <c>continue</c> fetches the next page).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Server-side watch timeout; the watch is reopened from its last resourceVersion after it.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First delay before reconnecting a dropped watch; doubles up to 10 s.</summary>
    public TimeSpan WatchReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>DaemonSets of the old networking whose presence is a migration leftover.</summary>
    public List<string> LeftoverDaemonSets { get; set; } = ["kube-system/kube-flannel", "kube-system/kube-proxy"];

    /// <summary>The Hubble UI Service's name (the chart's), in the Cilium release namespace.</summary>
    public string HubbleUiService { get; set; } = "hubble-ui";

    /// <summary>Label of the Cilium agent pods (the chart's <c>k8s-app: cilium</c>) and their container.</summary>
    public string AgentLabelSelector { get; set; } = "k8s-app=cilium";
    public string AgentContainer { get; set; } = "cilium-agent";

    /// <summary>Look for pods without a CiliumEndpoint (lists every running pod; turn off for very large clusters).</summary>
    public bool FindUnmanagedPods { get; set; } = true;
}
