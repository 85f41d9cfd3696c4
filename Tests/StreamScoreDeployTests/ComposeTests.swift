import Foundation
import Testing

@Suite("Compose: docker-compose.yml")
struct ComposeTests {
    static let path = "Compose/docker-compose.yml"

    @Test("services, KRaft broker, topics, worker, gateway, Prometheus and Grafana are consistent")
    func composeFileIsConsistent() throws {
        let problems = try ComposeCheck.problems(try Repo.text(Self.path))
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    @Test("the topics service creates every documented topic with its partition count")
    func topicsAreCreatedAsDocumented() throws {
        let compose = try Node.yaml(try Repo.text(Self.path))
        let topics = compose["services"]["topics"]
        let script = composeInterpolate((topics["entrypoint"].strings + topics["command"].strings).joined(separator: "\n"))
        var problems: [String] = []
        let created = ComposeCheck.parseTopicCreation(script, &problems)
        #expect(problems == [])
        #expect(created == Documented.topics)
    }

    @Test("compose durations", arguments: [("30s", 30_000), ("1m30s", 90_000), ("500ms", 500), ("2m", 120_000)])
    func durations(_ text: String, _ milliseconds: Int) {
        #expect(ComposeCheck.durationMilliseconds(text) == milliseconds)
    }

    @Test("the topics script is valid bash", .enabled(if: findOnPath("bash") != nil))
    func topicsScriptParses() throws {
        let compose = try Node.yaml(try Repo.text(Self.path))
        let script = composeInterpolate(compose["services"]["topics"]["command"].strings.joined(separator: "\n"))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("topics.sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let result = try runProgram(findOnPath("bash")!, ["-n", file.path])
        #expect(result.status == 0, "\(result.output)")
    }

    static let mutations: [Mutation] = [
        Mutation("gateway publishes another host port", "\"8080:8080\"", "\"8081:8080\""),
        Mutation("grafana service is missing", "  grafana:\n    image: grafana/grafana", "  dashboards:\n    image: grafana/grafana"),
        Mutation("worker gets a container_name", "    command: [\"worker\"]", "    command: [\"worker\"]\n    container_name: worker"),
        Mutation("worker publishes a host port", "    expose:\n      - \"9100\"", "    ports:\n      - \"9100:9100\"\n    expose:\n      - \"9100\""),
        Mutation("features gets 3 partitions", "--topic features --partitions 6", "--topic features --partitions 3"),
        Mutation("streamscore.control is not created", "--topic streamscore.control --partitions 1", "--topic streamscore.ctl --partitions 1"),
        Mutation("a topic is created without --if-not-exists", "--create --if-not-exists --topic predictions ", "--create --topic predictions "),
        Mutation("worker uses a variable the CLI doesn't accept", "STREAMSCORE_MAX_BATCH_ROWS: \"256\"", "STREAMSCORE_BATCH_SIZE: \"256\""),
        Mutation("gateway uses a worker-only variable", "      STREAMSCORE_REPLY_TOPIC: streamscore.replies",
                 "      STREAMSCORE_REPLY_TOPIC: streamscore.replies\n      STREAMSCORE_GROUP: streamscore-workers"),
        Mutation("worker's output topic differs from the default", "STREAMSCORE_OUTPUT_TOPIC: predictions", "STREAMSCORE_OUTPUT_TOPIC: preds"),
        Mutation("worker's metrics port differs from the default", "STREAMSCORE_HTTP_PORT: \"9100\"", "STREAMSCORE_HTTP_PORT: \"9200\""),
        Mutation("gateway listens on loopback only", "STREAMSCORE_HOST: 0.0.0.0", "STREAMSCORE_HOST: 127.0.0.1"),
        Mutation("kafka has no healthcheck", "    healthcheck:\n      test: [\"CMD-SHELL\", \"/opt/kafka",
                 "    x-healthcheck:\n      test: [\"CMD-SHELL\", \"/opt/kafka"),
        Mutation("kafka is not a KRaft controller", "KAFKA_PROCESS_ROLES: broker,controller", "KAFKA_PROCESS_ROLES: broker"),
        Mutation("kafka advertises localhost to containers", "PLAINTEXT://kafka:9092,HOST", "PLAINTEXT://localhost:9092,HOST"),
        Mutation("offsets topic would need 3 replicas", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: \"1\"", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: \"3\""),
        Mutation("Models is mounted writable", "../Models:/app/Models:ro", "../Models:/app/Models"),
        Mutation("worker points at the wrong broker", "STREAMSCORE_BROKERS: kafka:9092", "STREAMSCORE_BROKERS: localhost:9092"),
        Mutation("topics doesn't wait for a healthy broker", "condition: service_healthy", "condition: service_started"),
        Mutation("worker doesn't wait for the topics", "condition: service_completed_successfully", "condition: service_started"),
        Mutation("Prometheus is published on another port", "\"9090:9090\"", "\"9091:9090\""),
        Mutation("workers are killed before they drain", "stop_grace_period: 30s", "stop_grace_period: 5s"),
        Mutation("a bind mount source doesn't exist", "./grafana/provisioning:", "./grafana/provision:"),
    ]

    @Test("a broken compose file is reported", arguments: mutations)
    func mutationIsCaught(_ mutation: Mutation) throws {
        let original = try Repo.text(Self.path)
        let mutated = try #require(mutation.apply(to: original), "stale mutation: '\(mutation.original)' not in the file")
        let problems = try ComposeCheck.problems(mutated)
        #expect(!problems.isEmpty, "no problem reported for: \(mutation.description)")
    }
}
