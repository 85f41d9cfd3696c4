import ArgumentParser

/// `streamscore bench kafka`: produce and pass-through throughput on an embedded broker.
struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka", abstract: "Benchmark the Kafka layer.")
    func run() async throws {}
}
