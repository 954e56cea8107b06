using System.Text.RegularExpressions;
using Gipo.Cluster.Runtime;
using Gipo.Model.Native;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gipo.Cli.Tests;

/// <summary>
/// Structural checks of <c>deploy/</c> (copied beside the tests): the facts a wrong edit would break at deploy
/// time only: pods that discovery cannot find or probes that hit the wrong port, a compose sampler that cannot be
/// scaled, a learner whose contact point does not match its advertised name, an image entrypoint that names the
/// wrong assembly, environment variables <c>gipo node</c> does not read.
/// </summary>
public sealed partial class DeployManifestTests
{
    /// <summary>
    /// The environment fallbacks of <c>gipo node</c>'s options (its contract: flag, then this variable). Keep in step
    /// with the node command: a manifest setting a variable not listed here is setting nothing.
    /// </summary>
    private static readonly HashSet<string> NodeEnvironment =
    [
        "GIPO_RUN_ID", "GIPO_ROLES", "GIPO_HOSTNAME", "GIPO_PUBLIC_HOSTNAME", "GIPO_PORT", "GIPO_SEEDS",
        "GIPO_DISCOVERY", "GIPO_MANAGEMENT_PORT", "GIPO_DISCOVERY_SERVICE", "GIPO_REQUIRED_CONTACT_POINTS",
        "GIPO_DISCOVERY_ENDPOINTS", "GIPO_CONFIG", "GIPO_BASE", "GIPO_RUNS_DIR", "GIPO_POSTGRES",
        "GIPO_TLS_CERTIFICATE", "GIPO_TLS_CERTIFICATE_PASSWORD", "GIPO_TLS_CA", "GIPO_CLUSTER_NAME", "GIPO_CLUSTER_CONFIG",
    ];

    /// <summary>The roles <c>--roles</c> / GIPO_ROLES accepts.</summary>
    private static readonly HashSet<string> Roles = ["coordinator", "learner", "sampler", "scorer"];

    private const int RemotingPort = 4053;

    private static readonly string Deploy = Path.Combine(AppContext.BaseDirectory, "deploy");
    private static readonly string K8s = Path.Combine(Deploy, "k8s");

    [Fact(DisplayName = "Every deploy YAML file parses; every Kubernetes document has apiVersion, kind, metadata.name and the gipo namespace")]
    public void Yaml_parses_and_kubernetes_documents_are_named()
    {
        var files = Directory.EnumerateFiles(Deploy, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "docker-compose.yml");
        Assert.True(files.Count(f => f.StartsWith(K8s, StringComparison.Ordinal)) >= 5, string.Join(", ", files));
        foreach (var f in files) Assert.NotEmpty(Load(f));

        foreach (var (file, doc) in KubernetesDocuments())
        {
            var where = $"{Path.GetFileName(file)}: {doc}";
            Assert.False(string.IsNullOrEmpty(Str(doc, "apiVersion")), where);
            Assert.False(string.IsNullOrEmpty(Str(doc, "kind")), where);
            Assert.False(string.IsNullOrEmpty(Str(doc, "metadata.name")), where);
            if (Str(doc, "kind") != "Namespace") Assert.Equal("gipo", Str(doc, "metadata.namespace"));
        }
    }

    [Fact(DisplayName = "kustomization.yaml lists every manifest of deploy/k8s, and only those")]
    public void Kustomization_lists_every_manifest()
    {
        var kustomization = Single(Load(Path.Combine(K8s, "kustomization.yaml")));
        Assert.Equal("Kustomization", Str(kustomization, "kind"));
        var listed = Seq(kustomization, "resources").Select(n => n.ToString()).Order().ToList();
        var present = Directory.EnumerateFiles(K8s, "*.yaml").Select(f => Path.GetFileName(f)).Where(n => n != "kustomization.yaml").Order().ToList();
        Assert.Equal(present, listed);
    }

    [Fact(DisplayName = "Kubernetes: gipo pods match the discovery selector and the Service, expose remoting/management, " +
                        "probe the management routes, and reference what exists")]
    public void Kubernetes_pods_are_discoverable_and_wired()
    {
        var docs = KubernetesDocuments().Select(d => d.Doc).ToList();
        YamlMappingNode Find(string kind, string name) =>
            docs.SingleOrDefault(d => Str(d, "kind") == kind && Str(d, "metadata.name") == name)
                ?? throw new Xunit.Sdk.XunitException($"no {kind} {name}");

        var configMaps = docs.Where(d => Str(d, "kind") == "ConfigMap").ToList();
        var nodeConfig = Assert.Single(configMaps,
            c => Map(c, "data")?.Children.Keys.Any(k => k.ToString().StartsWith("GIPO_", StringComparison.Ordinal)) == true);
        string Setting(string key) => Str(nodeConfig, $"data.{key}") ?? throw new Xunit.Sdk.XunitException($"ConfigMap lacks {key}");
        Assert.Equal(ManagementOptions.KubernetesDiscovery, Setting("GIPO_DISCOVERY"));
        var discoveryLabel = ("app", Setting("GIPO_DISCOVERY_SERVICE")); // pod-label-selector app={0}
        var managementPort = int.Parse(Setting("GIPO_MANAGEMENT_PORT"));
        Assert.Equal(RemotingPort, int.Parse(Setting("GIPO_PORT")));
        Assert.Equal("0.0.0.0", Setting("GIPO_HOSTNAME"));

        var workloads = docs.Where(d => Str(d, "kind") is "StatefulSet" or "Deployment").ToList();
        var gipo = workloads.Where(w => Labels(w, "spec.template.metadata.labels").Contains(discoveryLabel)).ToList();
        Assert.Contains(gipo, w => Str(w, "kind") == "StatefulSet");
        Assert.Contains(gipo, w => Str(w, "kind") == "Deployment");
        var roleRules = docs.Where(d => Str(d, "kind") == "Role").ToList();

        foreach (var w in gipo)
        {
            var name = $"{Str(w, "kind")} {Str(w, "metadata.name")}";
            var podLabels = Labels(w, "spec.template.metadata.labels");
            Assert.True(Labels(w, "spec.selector.matchLabels").IsSubsetOf(podLabels), $"{name}: selector does not match its pods");
            var pod = Map(w, "spec.template.spec")!;
            Assert.True(int.Parse(Str(pod, "terminationGracePeriodSeconds") ?? "30") >= 35, $"{name}: grace period under 35 s");

            // Discovery needs the service account that may list pods.
            var account = Str(pod, "serviceAccountName") ?? throw new Xunit.Sdk.XunitException($"{name}: no serviceAccountName");
            Find("ServiceAccount", account);
            var binding = Assert.Single(docs, d => Str(d, "kind") == "RoleBinding"
                && Seq(d, "subjects").OfType<YamlMappingNode>().Any(s => Str(s, "kind") == "ServiceAccount" && Str(s, "name") == account));
            var role = Find("Role", Str(binding, "roleRef.name")!);
            Assert.Contains(Seq(role, "rules").OfType<YamlMappingNode>(), r =>
                Seq(r, "resources").Select(x => x.ToString()).Contains("pods")
                && new[] { "get", "watch", "list" }.All(v => Seq(r, "verbs").Select(x => x.ToString()).Contains(v)));
            Assert.NotEmpty(roleRules);

            var container = Assert.Single(Seq(pod, "containers").OfType<YamlMappingNode>());
            var ports = Seq(container, "ports").OfType<YamlMappingNode>()
                .ToDictionary(p => Str(p, "name")!, p => int.Parse(Str(p, "containerPort")!));
            Assert.Equal(RemotingPort, ports.GetValueOrDefault("remoting"));
            Assert.Equal(managementPort, ports.GetValueOrDefault(ManagementOptions.KubernetesPortName)); // discovery picks the port by this name
            Assert.Equal(ClusterManagement.AlivePath, Str(container, "livenessProbe.httpGet.path"));
            Assert.Equal(ClusterManagement.ReadyPath, Str(container, "readinessProbe.httpGet.path"));
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                if (Map(container, probe) is { } p)
                    Assert.True(Str(p, "httpGet.port") is { } port && (port == ManagementOptions.KubernetesPortName
                        || port == managementPort.ToString()), $"{name}: {probe} not on the management port");

            var env = Seq(container, "env").OfType<YamlMappingNode>().ToDictionary(e => Str(e, "name")!);
            Assert.All(env.Keys, k => Assert.Contains(k, NodeEnvironment));
            Assert.Equal("status.podIP", Str(env["GIPO_PUBLIC_HOSTNAME"], "valueFrom.fieldRef.fieldPath"));
            Assert.All(RoleList(Str(env["GIPO_ROLES"], "value")), r => Assert.Contains(r, Roles));
            Assert.Contains(Seq(container, "envFrom").OfType<YamlMappingNode>(),
                            e => Str(e, "configMapRef.name") == Str(nodeConfig, "metadata.name"));
            foreach (var secretRef in env.Values.Select(e => Map(e, "valueFrom.secretKeyRef")).OfType<YamlMappingNode>())
                Assert.NotNull(Str(Find("Secret", Str(secretRef, "name")!), $"stringData.{Str(secretRef, "key")}")
                    ?? Str(Find("Secret", Str(secretRef, "name")!), $"data.{Str(secretRef, "key")}"));

            // The run folder is shared storage: one ReadWriteMany claim, mounted by every node.
            var claims = Seq(pod, "volumes").OfType<YamlMappingNode>().Select(v => Str(v, "persistentVolumeClaim.claimName"))
                .OfType<string>().ToList();
            var runsClaim = Assert.Single(claims);
            Assert.Contains("ReadWriteMany", Seq(Find("PersistentVolumeClaim", runsClaim), "spec.accessModes").Select(x => x.ToString()));
            var runsDir = Setting("GIPO_RUNS_DIR");
            Assert.Contains(Seq(container, "volumeMounts").OfType<YamlMappingNode>(),
                            m => runsDir.StartsWith(Str(m, "mountPath")!, StringComparison.Ordinal));
        }

        var learner = Assert.Single(gipo, w => Str(w, "kind") == "StatefulSet");
        var learnerContainer = (YamlMappingNode)Seq(learner, "spec.template.spec.containers")[0];
        var learnerEnv = Seq(learnerContainer, "env").OfType<YamlMappingNode>().ToDictionary(e => Str(e, "name")!);
        Assert.Equal(["coordinator", "learner"], RoleList(Str(learnerEnv["GIPO_ROLES"], "value")).Order());
        Assert.NotNull(Map(learnerEnv["GIPO_POSTGRES"], "valueFrom.secretKeyRef")); // two coordinators: one shared journal
        var replicas = int.Parse(Str(learner, "spec.replicas")!);
        Assert.True(replicas >= 2, "a standby learner needs 2 replicas");
        Assert.True(int.Parse(Setting("GIPO_REQUIRED_CONTACT_POINTS")) <= replicas, "more required contact points than learners");
        // OrderedReady would deadlock: pod 1 waits for pod 0 to be ready, pod 0 waits for 2 contact points.
        Assert.Equal("Parallel", Str(learner, "spec.podManagementPolicy"));
        var service = Find("Service", Str(learner, "spec.serviceName")!);
        Assert.Equal("None", Str(service, "spec.clusterIP"));
        foreach (var s in docs.Where(d => Str(d, "kind") == "Service" && Labels(d, "spec.selector").Contains(discoveryLabel)))
            Assert.All(gipo, w => Assert.True(Labels(s, "spec.selector").IsSubsetOf(Labels(w, "spec.template.metadata.labels")),
                                              $"Service {Str(s, "metadata.name")} misses {Str(w, "metadata.name")}"));

        // Anything else (PostgreSQL) must not carry the discovery label, or bootstrap would probe it as a node.
        Assert.All(workloads.Except(gipo), w => Assert.DoesNotContain(discoveryLabel, Labels(w, "spec.template.metadata.labels")));
    }

    [Fact(DisplayName = "Compose: PostgreSQL with a health check, two learners whose contact points match their names, " +
                        "a scalable sampler, declared volumes")]
    public void Compose_file_is_wired()
    {
        var compose = Single(Load(Path.Combine(Deploy, "docker-compose.yml")));
        var services = Map(compose, "services")!.Children.ToDictionary(kv => kv.Key.ToString(), kv => (YamlMappingNode)kv.Value);
        var declaredVolumes = Map(compose, "volumes")?.Children.Keys.Select(k => k.ToString()).ToHashSet() ?? [];

        var postgres = services["postgres"];
        Assert.StartsWith("postgres:", Str(postgres, "image"));
        Assert.Contains("pg_isready", Seq(postgres, "healthcheck.test").Select(x => x.ToString()).Last());
        Assert.Contains("${POSTGRES_PASSWORD", Str(postgres, "environment.POSTGRES_PASSWORD")); // from deploy/.env, not in the file

        foreach (var (name, service) in services)
        {
            foreach (var volume in Seq(service, "volumes").Select(v => v.ToString().Split(':')[0]))
                if (!volume.StartsWith('.') && !volume.StartsWith('/') && !volume.StartsWith('$'))
                    Assert.True(declaredVolumes.Contains(volume), $"{name} uses volume '{volume}', not declared under volumes:");
        }

        var nodes = services.Where(kv => kv.Key != "postgres").ToDictionary();
        Assert.Contains("learner", nodes.Keys);
        Assert.Contains("sampler", nodes.Keys);
        var endpoints = new HashSet<string>();
        foreach (var (name, service) in nodes)
        {
            var env = Env(service);
            Assert.All(env.Keys.Where(k => k.StartsWith("GIPO_", StringComparison.Ordinal)), k => Assert.Contains(k, NodeEnvironment));
            Assert.All(RoleList(env["GIPO_ROLES"]), r => Assert.Contains(r, Roles));
            Assert.Contains(ClusterManagement.AlivePath, string.Join(" ", Seq(service, "healthcheck.test").Select(x => x.ToString())));
            Assert.Contains(Seq(service, "volumes"), v => v.ToString().EndsWith(":" + env["GIPO_RUNS_DIR"], StringComparison.Ordinal));
            Assert.Equal(ManagementOptions.ConfigDiscovery, env["GIPO_DISCOVERY"]);
            endpoints.UnionWith(env["GIPO_DISCOVERY_ENDPOINTS"].Split(','));
        }

        var learners = nodes.Where(kv => RoleList(Env(kv.Value)["GIPO_ROLES"]).Contains("learner")).ToList();
        Assert.True(learners.Count >= 2, "a standby learner is a second coordinator,learner service");
        foreach (var (name, service) in learners)
        {
            var env = Env(service);
            Assert.Equal(["coordinator", "learner"], RoleList(env["GIPO_ROLES"]).Order());
            Assert.Contains("Host=postgres", env["GIPO_POSTGRES"]);
            Assert.Equal("service_healthy", Str(service, "depends_on.postgres.condition"));
            // Bootstrap recognises itself among the contact points by host:port.
            Assert.Equal(Str(service, "hostname"), env["GIPO_PUBLIC_HOSTNAME"]);
            Assert.Contains($"{env["GIPO_PUBLIC_HOSTNAME"]}:{env["GIPO_MANAGEMENT_PORT"]}", endpoints);
            Assert.True(int.Parse(env["GIPO_REQUIRED_CONTACT_POINTS"]) <= learners.Count);
        }
        Assert.Equal(learners.Count, endpoints.Count);

        // --scale sampler=N: a fixed name, hostname, published port or advertised address would collide.
        var sampler = nodes["sampler"];
        foreach (var key in new[] { "container_name", "hostname", "ports" }) Assert.Null(Node(sampler, key));
        Assert.DoesNotContain("GIPO_PUBLIC_HOSTNAME", Env(sampler).Keys);
        Assert.Equal(["sampler", "scorer"], RoleList(Env(sampler)["GIPO_ROLES"]).Order());
    }

    [Fact(DisplayName = "Dockerfile: build and runtime stages, restores every src project, " +
                        "runs the CLI assembly as a non-root user, exposes 4053/8558")]
    public void Dockerfile_builds_and_runs_gipo()
    {
        var lines = File.ReadAllLines(Path.Combine(Deploy, "Dockerfile")).Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "multi-stage: build and runtime");

        var entrypoint = Assert.Single(lines, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        var assembly = typeof(Program).Assembly.GetName().Name + ".dll";
        Assert.Contains($"\"{assembly}\"", entrypoint);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, assembly)), $"{assembly} is not what Gipo.Cli builds");

        var expose = Assert.Single(lines, l => l.StartsWith("EXPOSE ", StringComparison.Ordinal)).Split(' ')[1..];
        Assert.Contains(RemotingPort.ToString(), expose);
        Assert.Contains(ManagementOptions.DefaultPort.ToString(), expose);
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user);
        Assert.Contains(lines, l => l.StartsWith("COPY hocon/", StringComparison.Ordinal));

        // The restore layer copies project files one by one: a new src project must be added there.
        var sources = Path.Combine(AppContext.BaseDirectory, "src");
        foreach (var csproj in Directory.EnumerateFiles(sources, "*.csproj", SearchOption.AllDirectories))
        {
            var relative = "src/" + Path.GetRelativePath(sources, csproj).Replace('\\', '/');
            Assert.Contains(lines, l => l.StartsWith($"COPY {relative} ", StringComparison.Ordinal));
        }

        var script = File.ReadAllText(Path.Combine(Deploy, "docker-entrypoint.sh"));
        Assert.StartsWith("#!/bin/sh", script);
        Assert.Contains("exec \"$@\"", script);
        Assert.Contains("\"/app/docker-entrypoint.sh\"", entrypoint);
    }

    [Fact(DisplayName = "Every GIPO_* variable named anywhere under deploy/ is one gipo reads")]
    public void Only_known_variables()
    {
        // The README's GPU section also documents the native-library variables.
        HashSet<string> known = [.. NodeEnvironment, NativeTorch.TorchLibVariable, NativeTorch.NativeCacheVariable];
        var unknown = Directory.EnumerateFiles(Deploy, "*", SearchOption.AllDirectories)
            .SelectMany(f => Variable().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(Deploy, f), Name: m.Value)))
            .Where(x => !known.Contains(x.Name))
            .Distinct()
            .ToList();
        Assert.True(unknown.Count == 0, string.Join(", ", unknown));
    }

    [GeneratedRegex(@"\bGIPO_[A-Z0-9_]+\b")]
    private static partial Regex Variable();

    private static IEnumerable<(string File, YamlMappingNode Doc)> KubernetesDocuments() =>
        Directory.EnumerateFiles(K8s, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => Load(f).Select(d => (f, (YamlMappingNode)d.RootNode)));

    /// <summary>All documents of a file; merge keys (<c>&lt;&lt;: *anchor</c>, used by the compose file) resolved.</summary>
    private static List<YamlDocument> Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).ToList();
    }

    private static YamlMappingNode Single(List<YamlDocument> docs) => (YamlMappingNode)Assert.Single(docs).RootNode;

    private static YamlNode? Node(YamlNode node, string path)
    {
        foreach (var key in path.Split('.'))
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next)) return null;
            node = next;
        }
        return node;
    }

    private static YamlMappingNode? Map(YamlNode node, string path) => Node(node, path) as YamlMappingNode;

    private static string? Str(YamlNode node, string path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static IList<YamlNode> Seq(YamlNode node, string path) => (Node(node, path) as YamlSequenceNode)?.Children ?? [];

    private static HashSet<(string, string)> Labels(YamlNode node, string path) =>
        Map(node, path)?.Children.Select(kv => (kv.Key.ToString(), kv.Value.ToString())).ToHashSet() ?? [];

    private static Dictionary<string, string> Env(YamlMappingNode service) =>
        Map(service, "environment")?.Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString())
        ?? throw new Xunit.Sdk.XunitException("environment must be a mapping");

    private static List<string> RoleList(string? roles) =>
        (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
