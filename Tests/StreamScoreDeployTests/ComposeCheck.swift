import Foundation

/// Checks Compose/docker-compose.yml. Returns problems as sentences; empty means fine.
enum ComposeCheck {
    static let requiredServices = ["kafka", "topics", "worker", "gateway", "prometheus", "grafana"]
    /// Where the compose file lives, relative to the repository root (bind sources resolve from here).
    static let directory = "Compose"

    static func problems(_ text: String) throws -> [String] {
        let compose = try Node.yaml(text)
        var problems: [String] = []
        let services = compose["services"]
        for name in requiredServices where !services[name].exists {
            problems.append("service '\(name)' is missing")
        }
        guard services.exists else { return problems }

        let broker = checkKafka(services["kafka"], &problems)
        let topics = checkTopics(services["topics"], kafkaImage: services["kafka"]["image"].text, &problems)
        checkComponent(.worker, services["worker"], broker: broker, topics: topics, &problems)
        checkComponent(.gateway, services["gateway"], broker: broker, topics: topics, &problems)
        checkPrometheus(services["prometheus"], &problems)
        checkGrafana(services["grafana"], &problems)
        for name in services.keys { checkBindSources(name, services[name], &problems) }
        return problems
    }

    // MARK: kafka

    /// Returns the in-network bootstrap address (the advertised PLAINTEXT listener).
    static func checkKafka(_ kafka: Node, _ problems: inout [String]) -> String? {
        guard kafka.exists else { return nil }
        if !(kafka["image"].text ?? "").hasPrefix("apache/kafka:") {
            problems.append("kafka: image should be the official apache/kafka, got '\(kafka["image"].text ?? "none")'")
        }
        let test = kafka["healthcheck"]["test"].strings.joined(separator: " ")
        if !test.contains("kafka-broker-api-versions.sh") && !test.contains("kafka-topics.sh") {
            problems.append("kafka: needs a healthcheck that talks to the broker (kafka-broker-api-versions.sh)")
        }
        let env = environment(kafka)
        func need(_ key: String) -> String {
            guard let value = env[key], !value.isEmpty else {
                problems.append("kafka: \(key) is missing")
                return ""
            }
            return value
        }
        let nodeID = need("KAFKA_NODE_ID")
        let roles = Set(need("KAFKA_PROCESS_ROLES").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        if !roles.isSuperset(of: ["broker", "controller"]) {
            problems.append("kafka: KAFKA_PROCESS_ROLES must be broker,controller for single-node KRaft")
        }
        let listeners = listenerMap(need("KAFKA_LISTENERS"))
        if listeners["PLAINTEXT"]?.port != 9092 { problems.append("kafka: KAFKA_LISTENERS needs PLAINTEXT://:9092") }
        if listeners["CONTROLLER"]?.port != 9093 { problems.append("kafka: KAFKA_LISTENERS needs CONTROLLER://:9093") }
        let controllerNames = need("KAFKA_CONTROLLER_LISTENER_NAMES")
        if controllerNames != "CONTROLLER" {
            problems.append("kafka: KAFKA_CONTROLLER_LISTENER_NAMES should be CONTROLLER, got '\(controllerNames)'")
        }
        let voters = need("KAFKA_CONTROLLER_QUORUM_VOTERS")
        if voters != "\(nodeID)@kafka:9093" {
            problems.append("kafka: KAFKA_CONTROLLER_QUORUM_VOTERS should be '\(nodeID)@kafka:9093', got '\(voters)'")
        }
        if need("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR") != "1" {
            problems.append("kafka: KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR must be 1 on a single broker")
        }
        if let min = env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"], min != "1" {
            problems.append("kafka: KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR must be 1 on a single broker")
        }
        if let map = env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] {
            let mapped = Set(map.split(separator: ",").compactMap { $0.split(separator: ":").first.map(String.init) })
            for name in listeners.keys where !mapped.contains(name) {
                problems.append("kafka: listener \(name) has no KAFKA_LISTENER_SECURITY_PROTOCOL_MAP entry")
            }
        }
        let advertised = listenerMap(need("KAFKA_ADVERTISED_LISTENERS"))
        guard let plain = advertised["PLAINTEXT"] else {
            problems.append("kafka: KAFKA_ADVERTISED_LISTENERS needs PLAINTEXT://kafka:9092")
            return nil
        }
        if plain.host != "kafka" || plain.port != 9092 {
            problems.append("kafka: advertised PLAINTEXT listener should be kafka:9092, got \(plain.host):\(plain.port)")
            return nil
        }
        return "\(plain.host):\(plain.port)"
    }

    /// `PLAINTEXT://:9092,CONTROLLER://:9093` → name → (host, port).
    static func listenerMap(_ value: String) -> [String: (host: String, port: Int)] {
        var result: [String: (host: String, port: Int)] = [:]
        for item in value.split(separator: ",") {
            let parts = item.trimmingCharacters(in: .whitespaces).components(separatedBy: "://")
            guard parts.count == 2, let colon = parts[1].lastIndex(of: ":"),
                  let port = Int(parts[1][parts[1].index(after: colon)...]) else { continue }
            result[parts[0]] = (String(parts[1][..<colon]), port)
        }
        return result
    }

    // MARK: topics

    /// Returns topic → partitions as created by the one-shot `topics` service.
    static func checkTopics(_ service: Node, kafkaImage: String?, _ problems: inout [String]) -> [String: Int] {
        guard service.exists else { return [:] }
        if let kafkaImage, service["image"].text != kafkaImage {
            problems.append("topics: should use the kafka service's image \(kafkaImage)")
        }
        if service["depends_on"]["kafka"]["condition"].text != "service_healthy" {
            problems.append("topics: must depend on kafka with condition service_healthy")
        }
        let script = (service["entrypoint"].strings + service["command"].strings).joined(separator: "\n")
        let created = parseTopicCreation(composeInterpolate(script), &problems)
        for (topic, partitions) in Documented.topics.sorted(by: { $0.key < $1.key }) {
            guard let count = created[topic] else {
                problems.append("topics: topic '\(topic)' is not created")
                continue
            }
            if count != partitions {
                problems.append("topics: '\(topic)' has \(count) partitions, documented \(partitions)")
            }
        }
        return created
    }

    /// Reads `kafka-topics.sh ... --create ... --topic T --partitions N` commands from a script.
    static func parseTopicCreation(_ script: String, _ problems: inout [String]) -> [String: Int] {
        var created: [String: Int] = [:]
        let logical = script.replacingOccurrences(of: "\\\n", with: " ")
        for line in logical.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
            guard words.contains(where: { $0.hasSuffix("kafka-topics.sh") }), words.contains("--create") else { continue }
            func value(_ flag: String) -> String? {
                if let i = words.firstIndex(of: flag), i + 1 < words.count { return words[i + 1] }
                return words.first(where: { $0.hasPrefix(flag + "=") }).map { String($0.dropFirst(flag.count + 1)) }
            }
            guard let topic = value("--topic") else {
                problems.append("topics: a --create command has no --topic")
                continue
            }
            guard let partitions = value("--partitions").flatMap(Int.init) else {
                problems.append("topics: '\(topic)' is created without --partitions")
                continue
            }
            if !words.contains("--if-not-exists") {
                problems.append("topics: '\(topic)' must be created with --if-not-exists (re-runs must succeed)")
            }
            if value("--bootstrap-server") != "kafka:9092" {
                problems.append("topics: '\(topic)' should use --bootstrap-server kafka:9092")
            }
            if created[topic] != nil { problems.append("topics: '\(topic)' is created twice") }
            created[topic] = partitions
        }
        return created
    }

    // MARK: worker and gateway

    static func checkComponent(_ component: Component, _ service: Node, broker: String?,
                               topics: [String: Int], _ problems: inout [String]) {
        guard service.exists else { return }
        let name = component.rawValue
        if service["build"]["context"].text != ".." || service["build"]["dockerfile"].text != "Compose/Dockerfile" {
            problems.append("\(name): build must be {context: .., dockerfile: Compose/Dockerfile}")
        }
        if service["command"].strings.first?.split(separator: " ").first.map(String.init) != name {
            problems.append("\(name): command must be '\(name)', got \(service["command"].strings)")
        }
        if service["env_file"].exists {
            problems.append("\(name): configure through STREAMSCORE_* in `environment`, not env_file")
        }
        let env = environment(service)
        if env.isEmpty { problems.append("\(name): has no environment") }
        let accepted = AcceptedEnvironment.accepted(by: component)
        for key in env.keys.sorted() where !accepted.contains(key) {
            problems.append("\(name): \(key) is not accepted by `streamscore \(name)`")
        }
        for (key, expected) in Documented.values(for: component).sorted(by: { $0.key < $1.key }) {
            if let value = env[key], value != expected {
                problems.append("\(name): \(key)=\(value) differs from the default \(expected)")
            }
        }
        if let broker, env["STREAMSCORE_BROKERS"] != broker {
            problems.append("\(name): STREAMSCORE_BROKERS should be \(broker), got \(env["STREAMSCORE_BROKERS"] ?? "nothing")")
        }
        for key in ["STREAMSCORE_INPUT_TOPIC", "STREAMSCORE_OUTPUT_TOPIC", "STREAMSCORE_METRICS_TOPIC",
                    "STREAMSCORE_DLQ_TOPIC", "STREAMSCORE_REPLY_TOPIC"] {
            if let topic = env[key], topics[topic] == nil {
                problems.append("\(name): \(key)=\(topic) is not created by the topics service")
            }
        }
        if let kafka = env["STREAMSCORE_KAFKA"] {
            for item in kafka.split(separator: ",") where !item.contains("=") || item.hasPrefix("=") {
                problems.append("\(name): STREAMSCORE_KAFKA item '\(item)' is not NAME=VALUE")
            }
        }
        if service["depends_on"]["topics"]["condition"].text != "service_completed_successfully" {
            problems.append("\(name): must depend on topics with condition service_completed_successfully")
        }
        // Models: mounted read-only where STREAMSCORE_MODELS points.
        let mounts = volumes(service)
        let modelsPath = env["STREAMSCORE_MODELS"]
        if let models = mounts.first(where: { $0.source == "../Models" }) {
            if !models.readOnly { problems.append("\(name): the Models mount must be read-only (:ro)") }
            if modelsPath != models.target {
                problems.append("\(name): STREAMSCORE_MODELS=\(modelsPath ?? "unset") but Models is mounted at \(models.target)")
            }
            if models.target != "/app/Models" { problems.append("\(name): Models should be mounted at /app/Models") }
        } else {
            problems.append("\(name): must mount ../Models (read-only, at /app/Models)")
        }

        let published = ports(service)
        switch component {
        case .worker:
            if service["container_name"].exists {
                problems.append("worker: container_name prevents `--scale worker=N`")
            }
            if !published.isEmpty {
                problems.append("worker: publishes host ports \(published.map(\.published)); replicas would collide")
            }
            let port = Int(env["STREAMSCORE_HTTP_PORT"] ?? "") ?? Documented.workerMetricsPort
            let exposed = service["expose"].strings.compactMap { Int($0.split(separator: "/").first ?? "") }
            if !exposed.contains(port) { problems.append("worker: should expose its metrics port \(port)") }
            // Compose sends SIGKILL after stop_grace_period (default 10 s): the drain must fit.
            let shutdownMs = Int(env["STREAMSCORE_SHUTDOWN_TIMEOUT_MS"] ?? "") ?? 10_000
            let graceMs = service["stop_grace_period"].text.flatMap(durationMilliseconds) ?? 10_000
            if graceMs <= shutdownMs {
                problems.append("worker: stop_grace_period (\(graceMs) ms) must exceed STREAMSCORE_SHUTDOWN_TIMEOUT_MS (\(shutdownMs) ms)")
            }
        case .gateway:
            let port = Int(env["STREAMSCORE_PORT"] ?? "") ?? Documented.gatewayPort
            if !published.contains(where: { $0.published == Documented.gatewayPort && $0.target == port }) {
                problems.append("gateway: must publish \(Documented.gatewayPort):\(port), got \(published.map { "\($0.published):\($0.target)" })")
            }
            if env["STREAMSCORE_HOST"] != "0.0.0.0" {
                problems.append("gateway: STREAMSCORE_HOST must be 0.0.0.0 in a container")
            }
        }
    }

    // MARK: prometheus and grafana

    static func checkPrometheus(_ service: Node, _ problems: inout [String]) {
        guard service.exists else { return }
        if !(service["image"].text ?? "").hasPrefix("prom/prometheus") {
            problems.append("prometheus: image should be prom/prometheus")
        }
        let mounts = volumes(service)
        if !mounts.contains(where: { ($0.source == "./prometheus" && $0.target == "/etc/prometheus")
                || ($0.source == "./prometheus/prometheus.yml" && $0.target == "/etc/prometheus/prometheus.yml") }) {
            problems.append("prometheus: must mount ./prometheus at /etc/prometheus")
        }
        if !ports(service).contains(where: { $0.published == 9090 && $0.target == 9090 }) {
            problems.append("prometheus: must publish 9090:9090")
        }
    }

    static func checkGrafana(_ service: Node, _ problems: inout [String]) {
        guard service.exists else { return }
        if !(service["image"].text ?? "").hasPrefix("grafana/grafana") {
            problems.append("grafana: image should be grafana/grafana")
        }
        let mounts = volumes(service)
        if !mounts.contains(where: { $0.source == "./grafana/provisioning" && $0.target == "/etc/grafana/provisioning" }) {
            problems.append("grafana: must mount ./grafana/provisioning at /etc/grafana/provisioning")
        }
        if dashboardsMount(service) == nil {
            problems.append("grafana: must mount ./grafana/dashboards")
        }
        if !ports(service).contains(where: { $0.published == 3000 && $0.target == 3000 }) {
            problems.append("grafana: must publish 3000:3000")
        }
    }

    /// Where grafana sees Compose/grafana/dashboards.
    static func dashboardsMount(_ grafana: Node) -> String? {
        volumes(grafana).first(where: { $0.source == "./grafana/dashboards" })?.target
    }

    /// Relative bind sources must exist next to the compose file.
    static func checkBindSources(_ name: String, _ service: Node, _ problems: inout [String]) {
        for mount in volumes(service) where mount.source.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(mount.source)
            if !Repo.exists(path) { problems.append("\(name): bind source \(mount.source) does not exist") }
        }
    }

    // MARK: compose syntax helpers

    /// A compose duration (`30s`, `1m30s`, `500ms`) in milliseconds.
    static func durationMilliseconds(_ text: String) -> Int? {
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while let c = rest.first {
            if c.isNumber || c == "." {
                number.append(c)
                rest = rest.dropFirst()
                continue
            }
            let unit = String(rest.prefix { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number) else { return nil }
            let scale: Double? = ["ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "us": 0.001][unit]
            guard let scale else { return nil }
            total += value * scale
            number = ""
        }
        guard number.isEmpty else { return nil }
        return Int(total)
    }

    /// A service's environment (mapping or KEY=VALUE list), interpolated with defaults.
    static func environment(_ service: Node) -> [String: String] {
        var result: [String: String] = [:]
        let env = service["environment"]
        if let d = env.dictionary {
            for (key, value) in d { result[key] = composeInterpolate(value.text ?? "") }
        } else {
            for item in env.items.compactMap(\.text) {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                result[String(parts[0])] = parts.count > 1 ? composeInterpolate(String(parts[1])) : ""
            }
        }
        return result
    }

    struct Mount { var source: String; var target: String; var readOnly: Bool }

    /// Short (`src:dst[:ro]`) and long (`{type, source, target, read_only}`) volume syntax.
    static func volumes(_ service: Node) -> [Mount] {
        service["volumes"].items.compactMap { item in
            if let s = item.text {
                let parts = s.split(separator: ":").map(String.init)
                guard parts.count >= 2 else { return nil }
                return Mount(source: parts[0], target: parts[1], readOnly: parts.count > 2 && parts[2].split(separator: ",").contains("ro"))
            }
            guard let target = item["target"].text else { return nil }
            return Mount(source: item["source"].text ?? "", target: target, readOnly: item["read_only"].raw as? Bool ?? false)
        }
    }

    struct Port { var published: Int; var target: Int }

    /// Published ports, short (`[ip:]host:container[/proto]`) or long syntax; container-only entries are skipped.
    static func ports(_ service: Node) -> [Port] {
        service["ports"].items.compactMap { item in
            if let s = item.text {
                let parts = s.split(separator: "/").first.map { $0.split(separator: ":").map(String.init) } ?? []
                guard parts.count >= 2, let host = Int(parts[parts.count - 2]), let container = Int(parts[parts.count - 1]) else {
                    return nil
                }
                return Port(published: host, target: container)
            }
            guard let target = item["target"].int, let published = item["published"].int else { return nil }
            return Port(published: published, target: target)
        }
    }
}
