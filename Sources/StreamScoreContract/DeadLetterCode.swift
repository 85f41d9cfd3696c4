/// Why a record went to the dead-letter topic: the stable `error` header values.
public enum DeadLetterCode: String, Sendable, CaseIterable, Codable {
    /// The value is not valid JSON.
    case invalidJSON = "invalid-json"
    /// Valid JSON, but not one of the accepted shapes.
    case invalidRecord = "invalid-record"
    /// The number of features doesn't fit the model.
    case wrongFeatureCount = "wrong-feature-count"
    /// A named feature the model doesn't have.
    case unknownFeature = "unknown-feature"
    /// A named feature the model needs is absent.
    case missingFeature = "missing-feature"
    /// A value of the wrong type.
    case wrongType = "wrong-type"
    /// Infinity, or a literal NaN string where NaN isn't allowed.
    case nonFinite = "non-finite"
    /// Above the maximum record size.
    case tooLarge = "too-large"
    /// An empty value.
    case empty = "empty"
    /// The named model isn't loaded.
    case unknownModel = "unknown-model"
    /// `deadline-ms` has passed.
    case expired = "expired"
    /// The runtime threw.
    case inferenceFailed = "inference-failed"
}

/// A record the worker cannot score, with the code and readable detail.
public struct RecordRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: DeadLetterCode
    public var detail: String

    public init(_ code: DeadLetterCode, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
