/// A command on the control topic (`streamscore.control`). Every worker reads the topic from the
/// beginning at start and applies the commands in order, then follows new ones.
///
/// ```json
/// {"action": "pin", "model": "iris", "version": "2"}
/// {"action": "unpin", "model": "iris"}
/// {"action": "canary", "model": "iris", "version": "2", "percent": 10}
/// {"action": "shadow", "model": "iris", "version": "2"}
/// {"action": "rollback", "model": "iris"}
/// ```
///
/// - `pin` serves `version` by default and ends a canary; `unpin` goes back to the latest version.
/// - `canary` sends `percent` of records, chosen by a hash of the record key, to `version`;
///   `percent` 0 or no version ends the canary.
/// - `shadow` scores every record with `version` as well, publishing to the shadow topic without
///   affecting the main output; no version ends shadowing.
/// - `rollback` ends canary and shadow and serves the newest version older than the latest one.
public struct ControlCommand: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        case pin, unpin, canary, shadow, rollback
    }

    public var action: Action
    public var model: String
    public var version: String?
    public var percent: Double?
    /// When and by whom the command was sent (informational).
    public var issuedAtMs: Int64?
    public var issuedBy: String?

    public init(action: Action, model: String, version: String? = nil, percent: Double? = nil,
                issuedAtMs: Int64? = nil, issuedBy: String? = nil) {
        self.action = action
        self.model = model
        self.version = version
        self.percent = percent
        self.issuedAtMs = issuedAtMs
        self.issuedBy = issuedBy
    }

    enum CodingKeys: String, CodingKey {
        case action, model, version, percent
        case issuedAtMs = "issued_at_ms"
        case issuedBy = "issued_by"
    }

    /// Checks the fields each action needs; returns a readable reason when something is wrong.
    public var problem: String? {
        if model.isEmpty { return "\"model\" is empty" }
        switch action {
        case .pin where version == nil: return "pin needs a \"version\""
        case .canary:
            if let percent, !(0...100).contains(percent) { return "canary \"percent\" must be within 0...100" }
            if version != nil && percent == nil { return "canary needs a \"percent\"" }
            return nil
        default: return nil
        }
    }
}

/// How a worker routes one model's records: what it reports in metrics records.
public struct ModelRouting: Codable, Sendable, Equatable {
    /// The version scoring records that name none (outside the canary share).
    public var serving: String
    /// The newest valid version loaded.
    public var latest: String
    /// Every version loaded, oldest first.
    public var versions: [String]
    /// A pinned version (from `--pin` or the control topic), if any.
    public var pinned: String?
    /// `true` after a rollback, until the next pin or unpin.
    public var rolledBack: Bool
    public var canary: Canary?
    /// The shadow version, if any.
    public var shadow: String?

    public struct Canary: Codable, Sendable, Equatable {
        public var version: String
        public var percent: Double
        public init(version: String, percent: Double) {
            self.version = version
            self.percent = percent
        }
    }

    public init(serving: String, latest: String, versions: [String], pinned: String? = nil, rolledBack: Bool = false,
                canary: Canary? = nil, shadow: String? = nil) {
        self.serving = serving
        self.latest = latest
        self.versions = versions
        self.pinned = pinned
        self.rolledBack = rolledBack
        self.canary = canary
        self.shadow = shadow
    }

    enum CodingKeys: String, CodingKey {
        case serving, latest, versions, pinned, canary, shadow
        case rolledBack = "rolled_back"
    }
}
