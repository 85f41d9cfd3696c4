import Foundation

/// Checks the manifests in Compose/kubernetes as a set: each on its own, and the names that
/// tie them together (ConfigMaps, labels and selectors, PVCs, the KEDA target).
enum KubernetesCheck {
    static let directory = "Compose/kubernetes"
    static let kustomization = "kustomization.yaml"

    struct Object {
        var file: String
        var node: Node
        var kind: String { node["kind"].text ?? "" }
        var name: String { node["metadata"]["name"].text ?? "" }
        var label: String { "\(file): \(kind)/\(name)" }
    }

    /// The manifest files (name → text) in the directory, without the kustomization.
    static func manifestFiles() throws -> [String: String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repo.url(directory).path)
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && $0 != kustomization }
        var files: [String: String] = [:]
        for name in names { files[name] = try Repo.text("\(directory)/\(name)") }
        return files
    }

    static func problems(_ files: [String: String], kustomization: String? = nil) throws -> [String] {
        var problems: [String] = []
        var objects: [Object] = []
        for (file, text) in files.sorted(by: { $0.key < $1.key }) {
            let documents = try Node.yamlDocuments(text)
            if documents.isEmpty { problems.append("\(file): no documents") }
            objects += documents.map { Object(file: file, node: $0) }
        }
        for object in objects {
            if (object.node["apiVersion"].text ?? "").isEmpty { problems.append("\(object.label): no apiVersion") }
            if object.kind.isEmpty { problems.append("\(object.file): a document has no kind") }
            if object.name.isEmpty { problems.append("\(object.file): a \(object.kind) has no metadata.name") }
        }
        var seen: Set<String> = []
        for object in objects where !seen.insert("\(object.kind)/\(object.name)").inserted {
            problems.append("\(object.label) is defined twice")
        }
        func all(_ kind: String) -> [Object] { objects.filter { $0.kind == kind } }

        let configMaps = Dictionary(all("ConfigMap").map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let claims = Set(all("PersistentVolumeClaim").map(\.name))
        let deployments = all("Deployment")

        // Which Deployment runs which subcommand.
        var byComponent: [Component: Object] = [:]
        for deployment in deployments {
            let container = deployment.node["spec"]["template"]["spec"]["containers"][0]
            let words = container["command"].strings + container["args"].strings
            if let component = Component.allCases.first(where: { words.contains($0.rawValue) }) {
                if byComponent[component] != nil { problems.append("two Deployments run `\(component.rawValue)`") }
                byComponent[component] = deployment
            }
        }
        for component in Component.allCases where byComponent[component] == nil {
            problems.append("no Deployment runs `streamscore \(component.rawValue)`")
        }

        var settings: [Component: [String: String]] = [:]
        for deployment in deployments {
            let component = byComponent.first(where: { $0.value.name == deployment.name })?.key
            let got = checkDeployment(deployment, component: component, configMaps: configMaps, claims: claims, &problems)
            if let component { settings[component] = got }
        }
        let anyAccepted = AcceptedEnvironment.worker.union(AcceptedEnvironment.gateway)
        for map in configMaps.values.sorted(by: { $0.name < $1.name }) {
            for key in map.node["data"].keys where !anyAccepted.contains(key) {
                problems.append("\(map.label): key \(key) is not a STREAMSCORE_* variable the CLI accepts")
            }
        }
        let podLabels = byComponent.mapValues { labels($0.node["spec"]["template"]["metadata"]["labels"]) }

        for service in all("Service") {
            let selector = labels(service.node["spec"]["selector"])
            if selector.isEmpty { problems.append("\(service.label): no selector") }
            guard let gateway = byComponent[.gateway] else { continue }
            if !matches(selector, podLabels[.gateway] ?? [:]) {
                problems.append("\(service.label): selector \(selector) doesn't match the gateway pods' labels")
            }
            if let workerLabels = podLabels[.worker], matches(selector, workerLabels) {
                problems.append("\(service.label): selector \(selector) also matches worker pods")
            }
            let container = gateway.node["spec"]["template"]["spec"]["containers"][0]
            let ports = service.node["spec"]["ports"].items
            if !ports.contains(where: { $0["port"].int == Documented.gatewayPort }) {
                problems.append("\(service.label): must serve port \(Documented.gatewayPort)")
            }
            for port in ports {
                let target = port["targetPort"].exists ? port["targetPort"] : port["port"]
                if resolvePort(target, in: container) == nil {
                    problems.append("\(service.label): targetPort \(target.text ?? "?") is not a port of the gateway container")
                }
            }
        }

        let scaledObjects = all("ScaledObject")
        if scaledObjects.isEmpty { problems.append("no KEDA ScaledObject") }
        for scaled in scaledObjects {
            checkScaledObject(scaled, worker: byComponent[.worker], workerSettings: settings[.worker] ?? [:], &problems)
        }

        for monitor in all("PodMonitor") {
            let selector = labels(monitor.node["spec"]["selector"]["matchLabels"])
            let selected = byComponent.values.filter { matches(selector, labels($0.node["spec"]["template"]["metadata"]["labels"])) }
            if selected.isEmpty { problems.append("\(monitor.label): selector \(selector) matches no Deployment's pods") }
            let portNames = Set(selected.flatMap { d in
                d.node["spec"]["template"]["spec"]["containers"].items.flatMap { $0["ports"].items.compactMap { $0["name"].text } }
            })
            for endpoint in monitor.node["spec"]["podMetricsEndpoints"].items {
                if let port = endpoint["port"].text, !portNames.contains(port) {
                    problems.append("\(monitor.label): port '\(port)' is not a named port of the selected pods")
                }
            }
        }

        if let kustomization {
            let listed = Set(try Node.yaml(kustomization)["resources"].strings)
            for file in files.keys.sorted() where !listed.contains(file) {
                problems.append("kustomization.yaml doesn't list \(file)")
            }
            for file in listed.sorted() where files[file] == nil {
                problems.append("kustomization.yaml lists \(file), which doesn't exist")
            }
        }
        return problems
    }

    /// Returns the STREAMSCORE_* settings the Deployment's main container gets.
    static func checkDeployment(_ deployment: Object, component: Component?, configMaps: [String: Object],
                                claims: Set<String>, _ problems: inout [String]) -> [String: String] {
        let label = deployment.label
        let spec = deployment.node["spec"]
        let selector = labels(spec["selector"]["matchLabels"])
        let templateLabels = labels(spec["template"]["metadata"]["labels"])
        if selector.isEmpty { problems.append("\(label): spec.selector.matchLabels is empty") }
        if !matches(selector, templateLabels) {
            problems.append("\(label): selector \(selector) doesn't match the template labels \(templateLabels)")
        }
        let pod = spec["template"]["spec"]
        let containers = pod["containers"].items
        guard let main = containers.first else {
            problems.append("\(label): no containers")
            return [:]
        }
        let volumes = Dictionary(pod["volumes"].items.compactMap { v in v["name"].text.map { ($0, v) } },
                                 uniquingKeysWith: { a, _ in a })
        for volume in volumes.values {
            if let claim = volume["persistentVolumeClaim"]["claimName"].text, !claims.contains(claim) {
                problems.append("\(label): volume uses PVC '\(claim)', which no manifest defines")
            }
            if let map = volume["configMap"]["name"].text, configMaps[map] == nil {
                problems.append("\(label): volume uses ConfigMap '\(map)', which no manifest defines")
            }
        }
        for container in containers + pod["initContainers"].items {
            let name = container["name"].text ?? "?"
            if (container["image"].text ?? "").isEmpty { problems.append("\(label): container \(name) has no image") }
            for mount in container["volumeMounts"].items where volumes[mount["name"].text ?? ""] == nil {
                problems.append("\(label): container \(name) mounts undefined volume '\(mount["name"].text ?? "?")'")
            }
        }
        if !main["resources"]["requests"].exists || !main["resources"]["limits"].exists {
            problems.append("\(label): the main container needs resources.requests and resources.limits")
        }

        // Settings: envFrom ConfigMaps, then env.
        var settings: [String: String] = [:]
        for source in main["envFrom"].items {
            guard let name = source["configMapRef"]["name"].text else { continue }
            guard let map = configMaps[name] else {
                problems.append("\(label): envFrom refers to ConfigMap '\(name)', which no manifest defines")
                continue
            }
            for (key, value) in map.node["data"].dictionary ?? [:] {
                if value.string == nil {
                    problems.append("\(map.label): value of \(key) must be a string (quote it)")
                }
                settings[key] = value.text ?? ""
            }
        }
        var valueFromNames: Set<String> = []
        for variable in main["env"].items {
            guard let name = variable["name"].text else { continue }
            if let value = variable["value"].text { settings[name] = value } else { valueFromNames.insert(name) }
        }
        guard let component else { return settings }
        let accepted = AcceptedEnvironment.accepted(by: component)
        for key in (Array(settings.keys) + Array(valueFromNames)).sorted() where !accepted.contains(key) {
            problems.append("\(label): \(key) is not accepted by `streamscore \(component.rawValue)`")
        }
        for (key, expected) in Documented.values(for: component).sorted(by: { $0.key < $1.key }) {
            if let value = settings[key], value != expected {
                problems.append("\(label): \(key)=\(value) differs from the default \(expected)")
            }
        }
        if let models = settings["STREAMSCORE_MODELS"],
           !main["volumeMounts"].items.contains(where: { $0["mountPath"].text == models }) {
            problems.append("\(label): STREAMSCORE_MODELS=\(models) but nothing is mounted there")
        }

        let annotations = spec["template"]["metadata"]["annotations"]
        if annotations["prometheus.io/scrape"].string != "true" {
            problems.append("\(label): pod annotation prometheus.io/scrape must be the string \"true\"")
        }
        let port: Int
        let probes: [(kind: String, path: String)]
        switch component {
        case .worker:
            port = Int(settings["STREAMSCORE_HTTP_PORT"] ?? "") ?? Documented.workerMetricsPort
            probes = [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]
            // The kubelet sends SIGKILL after terminationGracePeriodSeconds (default 30): the drain must fit.
            let shutdownMs = Int(settings["STREAMSCORE_SHUTDOWN_TIMEOUT_MS"] ?? "") ?? 10_000
            let graceMs = (pod["terminationGracePeriodSeconds"].int ?? 30) * 1000
            if graceMs <= shutdownMs {
                problems.append("\(label): terminationGracePeriodSeconds must exceed STREAMSCORE_SHUTDOWN_TIMEOUT_MS (\(shutdownMs) ms)")
            }
        case .gateway:
            port = Int(settings["STREAMSCORE_PORT"] ?? "") ?? Documented.gatewayPort
            probes = [("readinessProbe", "/v2/health/ready"), ("livenessProbe", "/v2/health/live")]
            if settings["STREAMSCORE_HOST"] != "0.0.0.0" {
                problems.append("\(label): STREAMSCORE_HOST must be 0.0.0.0 in a pod")
            }
        }
        if !main["ports"].items.contains(where: { $0["containerPort"].int == port }) {
            problems.append("\(label): container doesn't declare port \(port)")
        }
        if annotations["prometheus.io/port"].string != "\(port)" {
            problems.append("\(label): pod annotation prometheus.io/port should be \"\(port)\"")
        }
        for (kind, path) in probes {
            let probe = main[kind]["httpGet"]
            if probe["path"].text != path || resolvePort(probe["port"], in: main) != port {
                problems.append("\(label): \(kind) should be GET \(path) on port \(port)")
            }
        }
        return settings
    }

    static func checkScaledObject(_ scaled: Object, worker: Object?, workerSettings: [String: String],
                                  _ problems: inout [String]) {
        let label = scaled.label
        let spec = scaled.node["spec"]
        if !(scaled.node["apiVersion"].text ?? "").hasPrefix("keda.sh/") {
            problems.append("\(label): apiVersion should be keda.sh/v1alpha1")
        }
        let target = spec["scaleTargetRef"]
        if let worker, target["name"].text != worker.name {
            problems.append("\(label): scaleTargetRef.name '\(target["name"].text ?? "")' is not the worker Deployment '\(worker.name)'")
        }
        if let kind = target["kind"].text, kind != "Deployment" {
            problems.append("\(label): scaleTargetRef.kind should be Deployment")
        }
        let partitions = Documented.topics["features"] ?? 0
        guard let max = spec["maxReplicaCount"].int else {
            problems.append("\(label): maxReplicaCount is missing (the default 100 is beyond the \(partitions) partitions)")
            return
        }
        if max > partitions || max < 1 {
            problems.append("\(label): maxReplicaCount \(max) must be between 1 and the \(partitions) partitions of features")
        }
        if let min = spec["minReplicaCount"].int, min > max {
            problems.append("\(label): minReplicaCount \(min) > maxReplicaCount \(max)")
        }
        let kafka = spec["triggers"].items.filter { $0["type"].text == "kafka" }
        guard let trigger = kafka.first else {
            problems.append("\(label): no trigger of type kafka")
            return
        }
        let metadata = trigger["metadata"]
        for (key, value) in metadata.dictionary ?? [:] where value.string == nil {
            problems.append("\(label): trigger metadata \(key) must be a string (quote it)")
        }
        let group = workerSettings["STREAMSCORE_GROUP"] ?? Documented.consumerGroup
        if metadata["consumerGroup"].text != Documented.consumerGroup || metadata["consumerGroup"].text != group {
            problems.append("\(label): consumerGroup should be \(group), got \(metadata["consumerGroup"].text ?? "unset")")
        }
        let topic = workerSettings["STREAMSCORE_INPUT_TOPIC"] ?? "features"
        if metadata["topic"].text != topic {
            problems.append("\(label): topic should be \(topic), got \(metadata["topic"].text ?? "unset")")
        }
        if (metadata["bootstrapServers"].text ?? "").isEmpty {
            problems.append("\(label): bootstrapServers is missing")
        } else if let brokers = workerSettings["STREAMSCORE_BROKERS"], metadata["bootstrapServers"].text != brokers {
            problems.append("\(label): bootstrapServers \(metadata["bootstrapServers"].text ?? "") differs from the workers' STREAMSCORE_BROKERS \(brokers)")
        }
        if metadata["lagThreshold"].int == nil { problems.append("\(label): lagThreshold is missing") }
    }

    // MARK: helpers

    static func labels(_ node: Node) -> [String: String] {
        (node.dictionary ?? [:]).compactMapValues(\.text)
    }

    /// Whether a selector (all of its labels) matches a set of labels. An empty selector matches nothing here.
    static func matches(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// A port given by number or by a container port's name, as a number.
    static func resolvePort(_ port: Node, in container: Node) -> Int? {
        let declared = container["ports"].items
        if let number = port.int { return declared.contains(where: { $0["containerPort"].int == number }) ? number : nil }
        guard let name = port.text else { return nil }
        return declared.first(where: { $0["name"].text == name })?["containerPort"].int
    }
}
