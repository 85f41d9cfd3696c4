import ArgumentParser
import Foundation
import StreamScoreKafka

/// `streamscore bench kafka`: produce and pass-through throughput on an embedded broker.
struct BenchKafkaCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Benchmark the Kafka layer on its own embedded broker.",
        discussion: """
        Reports produce records/s (100-byte values, until the last acknowledgement) and \
        consume-and-reproduce (pass-through) records/s over 6 partitions, storing offsets after \
        delivery. With --reference it also runs the C pass-through ruler on the same broker.
        """
    )
    static let environmentOptions = ["records", "value-bytes", "partitions", "reference"]

    @Option(help: "Records per phase.")
    var records: Int = 200_000

    @Option(help: "Value size for the produce phase, in bytes.")
    var valueBytes: Int = 100

    @Option(help: "Partitions of the benchmark topics.")
    var partitions: Int = 6

    @Option(help: "Path to the C pass-through ruler (shared/reference/passthrough.c, built with gcc), run on the same broker for a ratio.")
    var reference: String?

    func run() async throws {
        let broker = try EmbeddedBroker(topics: [
            TopicSpec("bench-in", partitions: partitions), TopicSpec("bench-out", partitions: partitions),
            TopicSpec("bench-ref-out", partitions: partitions),
        ])
        defer { broker.shutdown() }
        printError("embedded broker at \(broker.bootstrapServers); \(records) records per phase")

        let value = [UInt8](repeating: UInt8(ascii: "x"), count: valueBytes)
        let produce = try await KafkaBenchmarks.produce(bootstrap: broker.bootstrapServers, topic: "bench-in",
                                                        count: records) { _ in value }
        printLine(String(format: "produce        %10.0f records/s  (%d records of %d bytes, %.2f s)",
                         produce.recordsPerSecond, records, valueBytes, produce.seconds))

        let pass = try await KafkaBenchmarks.passThrough(bootstrap: broker.bootstrapServers, input: "bench-in",
                                                         output: "bench-out", count: records)
        printLine(String(format: "pass-through   %10.0f records/s  (swift, offsets stored after delivery, %.2f s)",
                         pass.recordsPerSecond, pass.seconds))
        var json = "{\"bench\": \"kafka\", \"records\": \(records), \"produce_per_s\": \(Int(produce.recordsPerSecond)), "
            + "\"passthrough_per_s\": \(Int(pass.recordsPerSecond))"
        if let reference {
            let c = try ReferenceRuler.passThrough(executable: reference, bootstrap: broker.bootstrapServers,
                                                   input: "bench-in", output: "bench-ref-out", count: records)
            printLine(String(format: "pass-through   %10.0f records/s  (C librdkafka ruler, same broker)", c))
            printLine(String(format: "ratio          %10.2f  (swift / C)", pass.recordsPerSecond / c))
            json += ", \"c_passthrough_per_s\": \(Int(c)), \"ratio\": \(String(format: "%.3f", pass.recordsPerSecond / c))"
        }
        printLine(json + "}")
    }
}
