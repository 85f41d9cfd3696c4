import Foundation
import Logging
import StreamScoreContract
import StreamScoreKafka

/// Follows the control topic. At start it replays the topic from the beginning, applying every
/// command in order, so a worker that joins late ends in the same state as the others; then it
/// applies new commands as they arrive.
final class ControlFollower: Sendable {
    private let reader: KafkaTopicReader
    private let registry: ModelRegistry
    private let logger: Logger

    init(configuration: KafkaConfiguration, topic: String, registry: ModelRegistry, logger: Logger) throws(KafkaError) {
        reader = try KafkaTopicReader(configuration: configuration, topic: topic, start: .beginning, logger: logger)
        self.registry = registry
        self.logger = logger
    }

    var topic: String { reader.topic }

    /// Replays the topic up to its end at start, or until `timeout`.
    /// - Returns: the number of commands applied and whether the replay completed.
    func catchUp(timeout: Duration) async -> (applied: Int, complete: Bool) {
        let (records, complete) = await reader.readToEnd(timeout: timeout)
        var applied = 0
        for message in records where apply(message, live: false) != nil { applied += 1 }
        return (applied, complete)
    }

    /// Applies new commands until the reader closes, reporting each outcome.
    func follow(onEvent: @Sendable (ModelWatcher.Event) -> Void) async {
        while let batch = await reader.nextBatch(timeout: .seconds(1)) {
            for message in batch {
                if let event = apply(message, live: true) { onEvent(event) }
            }
        }
    }

    func close() async {
        await reader.close(deadline: .seconds(3))
    }

    /// Decodes and applies one command; `nil` when the record is not a valid command.
    private func apply(_ message: KafkaMessage, live: Bool) -> ModelWatcher.Event? {
        let command: ControlCommand
        do {
            command = try JSONDecoder().decode(ControlCommand.self, from: Data(message.value))
        } catch {
            logger.warning("control: ignoring an invalid command at \(message.topic)[\(message.partition)]@\(message.offset): \(String(decoding: message.value.prefix(200), as: UTF8.self))")
            return nil
        }
        let rejection = registry.apply(command)
        let text = Self.describe(command)
        if let rejection {
            logger.warning("control: \(text) — \(rejection)", metadata: ["replay": "\(!live)"])
            return ModelWatcher.Event(kind: .rejected, model: command.model, version: command.version,
                                      reason: "\(text): \(rejection)")
        }
        logger.info("control: applied \(text)", metadata: ["replay": "\(!live)"])
        return ModelWatcher.Event(kind: .control, model: command.model, version: command.version, reason: "applied \(text)")
    }

    static func describe(_ command: ControlCommand) -> String {
        var text = "\(command.action.rawValue) \(command.model)"
        if let version = command.version { text += " version \(version)" }
        if let percent = command.percent { text += " at \(percent)%" }
        return text
    }
}
