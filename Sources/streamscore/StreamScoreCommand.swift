import ArgumentParser

/// The `streamscore` command: one subcommand per part of the system.
struct StreamScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamscore",
        abstract: "Serve trained models on Kafka.",
        discussion: """
        Every option also reads an environment variable STREAMSCORE_<OPTION>, e.g. --brokers from \
        STREAMSCORE_BROKERS; repeatable options take a comma-separated list. Command-line flags win.
        """,
        subcommands: [DevCommand.self, BrokerCommand.self, WorkerCommand.self, GatewayCommand.self, MonitorCommand.self, PredictCommand.self, InspectCommand.self, ModelControlCommand.self, BenchCommand.self]
    )
}

/// `streamscore bench …`: benchmarks that print numbers to quote.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks.",
        subcommands: [BenchKafkaCommand.self, BenchModelCommand.self, BenchScoringCommand.self, BenchWorkerCommand.self, BenchGatewayCommand.self]
    )
}
