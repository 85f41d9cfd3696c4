import Foundation
import Testing

@Suite("Kubernetes manifests")
struct KubernetesTests {
    static func kustomization() throws -> String {
        try Repo.text("\(KubernetesCheck.directory)/\(KubernetesCheck.kustomization)")
    }

    @Test("every manifest parses and the names, labels, ports and settings agree")
    func manifestsAreConsistent() throws {
        let files = try KubernetesCheck.manifestFiles()
        for required in ["configmap.yaml", "worker-deployment.yaml", "keda-scaledobject.yaml",
                         "gateway-deployment.yaml", "gateway-service.yaml"] {
            #expect(files[required] != nil, "\(required) is missing")
        }
        let problems = try KubernetesCheck.problems(files, kustomization: try Self.kustomization())
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    static let mutations: [Mutation] = [
        Mutation("KEDA scales another Deployment", file: "keda-scaledobject.yaml",
                 "    name: streamscore-worker\n  pollingInterval", "    name: streamscore-workers\n  pollingInterval"),
        Mutation("KEDA may scale beyond the partitions", file: "keda-scaledobject.yaml", "maxReplicaCount: 6", "maxReplicaCount: 10"),
        Mutation("KEDA watches another group", file: "keda-scaledobject.yaml",
                 "consumerGroup: streamscore-workers", "consumerGroup: workers"),
        Mutation("KEDA watches another topic", file: "keda-scaledobject.yaml", "topic: features", "topic: predictions"),
        Mutation("KEDA metadata value is not a string", file: "keda-scaledobject.yaml", "lagThreshold: \"1000\"", "lagThreshold: 1000"),
        Mutation("KEDA trigger is not kafka", file: "keda-scaledobject.yaml", "- type: kafka", "- type: cpu"),
        Mutation("KEDA polls another cluster", file: "keda-scaledobject.yaml",
                 "bootstrapServers: kafka.kafka.svc.cluster.local:9092", "bootstrapServers: kafka:9092"),
        Mutation("ConfigMap key the CLI doesn't accept", file: "configmap.yaml",
                 "STREAMSCORE_MAX_BATCH_ROWS: \"256\"", "STREAMSCORE_BATCH_SIZE: \"256\""),
        Mutation("gateway ConfigMap carries a worker-only key", file: "configmap.yaml",
                 "  STREAMSCORE_REPLY_TOPIC: streamscore.replies", "  STREAMSCORE_REPLY_TOPIC: streamscore.replies\n  STREAMSCORE_GROUP: g"),
        Mutation("envFrom refers to a missing ConfigMap", file: "configmap.yaml",
                 "  name: streamscore-worker\n", "  name: streamscore-worker-config\n"),
        Mutation("gateway binds loopback", file: "configmap.yaml", "STREAMSCORE_HOST: 0.0.0.0", "STREAMSCORE_HOST: 127.0.0.1"),
        Mutation("a ConfigMap value is not a string", file: "configmap.yaml", "STREAMSCORE_HTTP_PORT: \"9100\"", "STREAMSCORE_HTTP_PORT: 9100"),
        Mutation("a manifest has no apiVersion", file: "configmap.yaml", "apiVersion: v1\nkind: ConfigMap", "kind: ConfigMap"),
        Mutation("worker selector doesn't match its pods", file: "worker-deployment.yaml",
                 "    matchLabels:\n      app.kubernetes.io/name: streamscore\n      app.kubernetes.io/component: worker",
                 "    matchLabels:\n      app.kubernetes.io/name: streamscore\n      app.kubernetes.io/component: workers"),
        Mutation("worker readiness probe path", file: "worker-deployment.yaml", "path: /readyz", "path: /ready"),
        Mutation("worker liveness probe port", file: "worker-deployment.yaml",
                 "path: /healthz\n              port: metrics", "path: /healthz\n              port: 8080"),
        Mutation("scrape annotation on the wrong port", file: "worker-deployment.yaml",
                 "prometheus.io/port: \"9100\"", "prometheus.io/port: \"9000\""),
        Mutation("worker uses an undefined PVC", file: "worker-deployment.yaml", "claimName: streamscore-models", "claimName: models"),
        Mutation("worker mounts an undefined volume", file: "worker-deployment.yaml",
                 "            - name: tmp\n              mountPath: /tmp", "            - name: scratch\n              mountPath: /tmp"),
        Mutation("worker has no resource limits", file: "worker-deployment.yaml",
                 "            limits:\n              cpu: \"2\"", "            x-limits:\n              cpu: \"2\""),
        Mutation("workers are killed before they drain", file: "worker-deployment.yaml",
                 "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 5"),
        Mutation("Service selects worker pods", file: "gateway-service.yaml",
                 "    app.kubernetes.io/component: gateway\n  ports:", "    app.kubernetes.io/component: worker\n  ports:"),
        Mutation("Service targets an unknown port", file: "gateway-service.yaml", "targetPort: http", "targetPort: web"),
        Mutation("Service serves another port", file: "gateway-service.yaml", "port: 8080", "port: 80"),
        Mutation("gateway liveness path", file: "gateway-deployment.yaml", "path: /v2/health/live", "path: /healthz"),
        Mutation("no Deployment runs the gateway", file: "gateway-deployment.yaml", "args: [\"gateway\"]", "args: [\"serve\"]"),
        Mutation("PodMonitor scrapes an unknown port", file: "podmonitor.yaml", "- port: metrics", "- port: prom"),
        Mutation("kustomization misses a manifest", file: KubernetesCheck.kustomization, "  - podmonitor.yaml\n", ""),
    ]

    @Test("a broken manifest is reported", arguments: mutations)
    func mutationIsCaught(_ mutation: Mutation) throws {
        var files = try KubernetesCheck.manifestFiles()
        var kustomization = try Self.kustomization()
        if mutation.file == KubernetesCheck.kustomization {
            kustomization = try #require(mutation.apply(to: kustomization), "stale mutation")
        } else {
            let text = try #require(files[mutation.file], "no file \(mutation.file)")
            let mutated: String = try #require(mutation.apply(to: text), "stale mutation")
            files[mutation.file] = mutated
        }
        let problems = try KubernetesCheck.problems(files, kustomization: kustomization)
        #expect(!problems.isEmpty, "no problem reported for: \(mutation.description)")
    }
}
