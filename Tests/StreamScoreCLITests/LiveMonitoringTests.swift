import Foundation
import Testing

/// The live views against one shared `streamscore dev --demo 200` (plus synthetic drift records and
/// model events), started once: the monitor and browser tests extend this suite, so they run one
/// after another on one stack instead of each loading the machine with its own.
@Suite("Live monitoring against streamscore dev", .serialized, .sharedDevStack)
struct LiveMonitoringTests {
    @TaskLocal static var current: DevStack?

    /// The suite's stack.
    static var dev: DevStack {
        get throws {
            guard let current else { throw CLIError("no shared dev stack") }
            return current
        }
    }
}

/// Starts the dev stack around the suite and stops it afterwards (SIGINT, SIGKILL after 20 s).
struct SharedDevStackTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let dev = try await onThread {
            let dev = try DevStack(demo: 200)
            try dev.produce(topic: "inference-metrics", syntheticDriftAndEvents(worker: "synthetic-worker"))
            return dev
        }
        do {
            try await LiveMonitoringTests.$current.withValue(dev) { try await function() }
        } catch {
            _ = try? await onThread { dev.process.stop(signal: SIGKILL) }
            throw error
        }
        _ = try await onThread { dev.process.stop(signal: SIGINT, timeout: .seconds(20)) }
    }
}

extension Trait where Self == SharedDevStackTrait {
    static var sharedDevStack: Self { Self() }
}
