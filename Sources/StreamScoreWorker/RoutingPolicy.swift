import StreamScoreContract
import StreamScoreModel

/// How one model's records are routed, as set by `--pin` and the control topic.
struct RoutingPolicy: Sendable, Equatable {
    enum Serve: Sendable, Equatable {
        /// The newest loaded version.
        case latest
        /// A pinned version (the newest one if it is not loaded).
        case version(String)
        /// After a rollback: the newest loaded version older than the newest one.
        case previous
    }

    var serve: Serve = .latest
    var canary: ModelRouting.Canary?
    var shadow: String?

    /// Applies a control command. Commands are applied in topic order, so a worker that replays the
    /// topic from the beginning ends in the same state as one that followed it live.
    mutating func apply(_ command: ControlCommand) {
        switch command.action {
        case .pin:
            if let version = command.version { serve = .version(version) }
            canary = nil
        case .unpin:
            serve = .latest
            canary = nil
        case .canary:
            if let version = command.version, let percent = command.percent, percent > 0 {
                canary = .init(version: version, percent: min(100, percent))
            } else {
                canary = nil
            }
        case .shadow:
            shadow = command.version
        case .rollback:
            serve = .previous
            canary = nil
            shadow = nil
        }
    }

    /// The version that serves by default among `versions` (sorted oldest first, not empty).
    func servingVersion(among versions: [String]) -> String {
        switch serve {
        case .latest: return versions.last!
        case .version(let v): return versions.contains(v) ? v : versions.last!
        case .previous: return versions.count >= 2 ? versions[versions.count - 2] : versions.last!
        }
    }

    /// The pinned version, if any.
    var pinned: String? {
        if case .version(let v) = serve { return v }
        return nil
    }
}

/// Picks the canary share deterministically from a record key: FNV-1a over the key bytes, so the
/// same key always lands on the same version (for a given percentage).
enum CanaryBucket {
    /// A bucket in 0..<10_000.
    static func bucket(key: ArraySlice<UInt8>?, fallback: Int64) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        if let key {
            for b in key { mix(b) }
        } else {
            var v = UInt64(bitPattern: fallback)
            for _ in 0..<8 {
                mix(UInt8(v & 0xff))
                v >>= 8
            }
        }
        return Int(hash % 10_000)
    }

    /// `true` when a record with this bucket goes to a canary taking `percent` of the traffic.
    static func isCanary(bucket: Int, percent: Double) -> Bool {
        Double(bucket) < percent * 100
    }
}
