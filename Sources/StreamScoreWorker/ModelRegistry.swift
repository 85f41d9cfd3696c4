import StreamScoreContract
import StreamScoreModel

/// The worker's current ``ModelSet``, replaced atomically on every change. Readers take a
/// snapshot; a batch keeps the snapshot it started with until it is published.
final class ModelRegistry: Sendable {
    private let state: Locked<ModelSet>

    init(_ set: ModelSet) {
        state = Locked(set)
    }

    /// The set new batches use.
    var current: ModelSet { state.withLock { $0 } }

    /// Changes the set under the lock and returns what `body` returns.
    func update<R>(_ body: (inout ModelSet) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// Applies a control command to its model's policy.
    /// - Returns: a readable rejection when it cannot be applied as asked (it is applied anyway
    ///   where that is meaningful, e.g. a pin to a version that may be loaded later).
    func apply(_ command: ControlCommand) -> String? {
        if let problem = command.problem { return problem }
        return update { set in
            var policy = set.policy(for: command.model)
            policy.apply(command)
            set.setPolicy(policy, for: command.model)
            let loaded = set.orderedVersions(of: command.model)
            if loaded.isEmpty { return "model '\(command.model)' is not loaded here" }
            if let version = command.version, !loaded.contains(version),
               [.pin, .canary, .shadow].contains(command.action) {
                return "version \(version) of '\(command.model)' is not loaded here (loaded: \(loaded.joined(separator: ", ")))"
            }
            return nil
        }
    }
}
