/// One feature value as it appeared in a record.
public enum FeatureValue: Sendable, Equatable {
    case number(Double)
    /// `null`: a missing value (NaN for float features).
    case missing
    case string(String)
    case bool(Bool)
    /// A bare `NaN`, `Infinity` or `-Infinity` token (not valid JSON numbers; rejected as non-finite).
    case nonFinite(String)
}

/// One row of features: positional, or named (mapped through the model card).
public enum FeatureRow: Sendable, Equatable {
    case positional([FeatureValue])
    case named([NamedFeature])

    /// The number of features in the row.
    public var count: Int {
        switch self {
        case .positional(let v): v.count
        case .named(let v): v.count
        }
    }
}

/// A named feature value.
public struct NamedFeature: Sendable, Equatable {
    public var name: String
    public var value: FeatureValue

    public init(name: String, value: FeatureValue) {
        self.name = name
        self.value = value
    }
}

/// A decoded feature record in one of the accepted shapes:
/// `{"id": ..., "features": [...]}`, `{"id": ..., "features": {...}}` or `{"id": ..., "data": [[...], ...]}`.
public struct FeatureRecord: Sendable, Equatable {
    /// The record id, when present (numbers are kept in their JSON spelling).
    public var id: String?
    /// One row for `features`, one or more for `data`.
    public var rows: [FeatureRow]
    /// `true` for the `data` shape, whose prediction carries a list of results.
    public var isMultiRow: Bool

    public init(id: String?, rows: [FeatureRow], isMultiRow: Bool) {
        self.id = id
        self.rows = rows
        self.isMultiRow = isMultiRow
    }
}
