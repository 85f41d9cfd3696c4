/// A `"kind": "model-event"` record on the metrics topic: a worker loaded, refused or removed a
/// model version, or applied a control command.
public struct ModelEventRecord: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        /// A new version passed validation and can serve.
        case loaded
        /// A version failed to load or validate; the previous versions keep serving.
        case refused
        /// A version's directory disappeared; it no longer serves.
        case removed
        /// A control command was applied.
        case control
        /// A control command could not be applied as asked (for example a pinned version that is not loaded).
        case rejected
    }

    public var kind = "model-event"
    public var worker: String
    public var timeMs: Int64
    public var model: String
    public var version: String?
    public var event: Event
    /// Why: the validation error, the command, or the directory change.
    public var reason: String
    /// The version serving by default after the event.
    public var serving: String?

    public init(worker: String, timeMs: Int64, model: String, version: String?, event: Event, reason: String,
                serving: String?) {
        self.worker = worker
        self.timeMs = timeMs
        self.model = model
        self.version = version
        self.event = event
        self.reason = reason
        self.serving = serving
    }

    enum CodingKeys: String, CodingKey {
        case kind, worker, model, version, event, reason, serving
        case timeMs = "time_ms"
    }
}
