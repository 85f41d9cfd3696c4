import ArgumentParser
import Foundation
import Logging
import StreamScoreContract
import StreamScoreKafka

/// `streamscore model …`: change how every worker routes a model, and see what they serve.
struct ModelControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Pin, canary, shadow or roll back model versions on every worker; show what workers serve.",
        discussion: """
        Commands go to the control topic (default streamscore.control) as JSON; every worker \
        applies them in topic order, and a worker that starts later replays the topic, so all \
        workers agree. `status` reads the metrics topic to show what each worker serves.
        """,
        subcommands: [PinCommand.self, UnpinCommand.self, CanaryCommand.self, ShadowCommand.self, RollbackCommand.self,
                      ModelStatusCommand.self]
    )
}

/// Options every control subcommand shares.
struct ControlOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, comma-separated.")
    var brokers: String

    @Option(help: "Topic of control commands.")
    var controlTopic = "streamscore.control"

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE (repeatable).")
    var kafkaProperties: [String] = []

    static let environmentOptions = ["brokers", "control-topic", "kafka"]

    func kafkaConfiguration() throws -> KafkaConfiguration {
        var config = KafkaConfiguration(bootstrapServers: brokers)
        config.properties = try parseKafkaProperties(kafkaProperties)
        return config
    }

    /// Produces `command` to the control topic and waits for the broker's acknowledgement.
    func send(_ command: ControlCommand) async throws {
        if let problem = command.problem { throw ValidationError(problem) }
        var command = command
        command.issuedAtMs = Int64(Date().timeIntervalSince1970 * 1000)
        command.issuedBy = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let value = try encoder.encode(command)
        var config = try kafkaConfiguration()
        config.messageTimeoutMs = 15_000
        let producer = try KafkaProducer(configuration: config, logger: makeLogger(label: "streamscore.model", level: .warning))
        do {
            let report = try await producer.send(topic: controlTopic, key: Array(command.model.utf8), value: Array(value))
            printLine("sent \(String(decoding: value, as: UTF8.self)) to \(controlTopic) (partition \(report.partition), offset \(report.offset))")
        } catch {
            await producer.close(deadline: .seconds(2))
            throw error
        }
        await producer.close(deadline: .seconds(5))
    }
}

struct PinCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(commandName: "pin",
                                                    abstract: "Serve one version of a model by default on every worker (ends a canary).")
    static let environmentOptions = ControlOptions.environmentOptions
    static let environmentLists = ["kafka"]
    @OptionGroup var options: ControlOptions
    @Argument(help: "The model name.") var model: String
    @Argument(help: "The version to serve.") var version: String

    func run() async throws { try await options.send(ControlCommand(action: .pin, model: model, version: version)) }
}

struct UnpinCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(commandName: "unpin",
                                                    abstract: "Serve the latest version of a model again (ends a pin, a rollback and a canary).")
    static let environmentOptions = ControlOptions.environmentOptions
    static let environmentLists = ["kafka"]
    @OptionGroup var options: ControlOptions
    @Argument(help: "The model name.") var model: String

    func run() async throws { try await options.send(ControlCommand(action: .unpin, model: model)) }
}

struct CanaryCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Send a share of records (by record key hash) to a candidate version; --off ends it.")
    static let environmentOptions = ControlOptions.environmentOptions
    static let environmentLists = ["kafka"]
    @OptionGroup var options: ControlOptions
    @Argument(help: "The model name.") var model: String
    @Argument(help: "The candidate version.") var version: String?
    @Option(help: "Share of records for the candidate, 0 to 100.") var percent: Double?
    @Flag(help: "End the canary.") var off = false

    func validate() throws {
        if off { return }
        // The percent range is checked with the command itself (`ControlCommand.problem`).
        guard version != nil, percent != nil else { throw ValidationError("give VERSION and --percent, or --off") }
    }

    func run() async throws {
        let command = off ? ControlCommand(action: .canary, model: model)
            : ControlCommand(action: .canary, model: model, version: version, percent: percent)
        try await options.send(command)
    }
}

struct ShadowCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Also score every record with a candidate version, publishing to the shadow topic; --off ends it.")
    static let environmentOptions = ControlOptions.environmentOptions
    static let environmentLists = ["kafka"]
    @OptionGroup var options: ControlOptions
    @Argument(help: "The model name.") var model: String
    @Argument(help: "The candidate version.") var version: String?
    @Flag(help: "End shadowing.") var off = false

    func validate() throws {
        guard off || version != nil else { throw ValidationError("give VERSION, or --off") }
    }

    func run() async throws {
        try await options.send(ControlCommand(action: .shadow, model: model, version: off ? nil : version))
    }
}

struct RollbackCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "End canary and shadow and serve the newest version older than the latest one.")
    static let environmentOptions = ControlOptions.environmentOptions
    static let environmentLists = ["kafka"]
    @OptionGroup var options: ControlOptions
    @Argument(help: "The model name.") var model: String

    func run() async throws { try await options.send(ControlCommand(action: .rollback, model: model)) }
}
