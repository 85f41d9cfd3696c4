/// A batch of rows to score, in the card's feature order (`ModelCard.featureNames`).
public struct FeatureBatch: Sendable {
    public var rowCount: Int
    public var featureCount: Int
    /// Row-major `rowCount × featureCount` numeric values; NaN marks a missing value.
    /// Columns of string-typed features are ignored here.
    public var numbers: [Float]
    /// Per-row values of string-typed features, keyed by feature index.
    public var strings: [Int: [String]]

    public init(rowCount: Int, featureCount: Int, numbers: [Float], strings: [Int: [String]] = [:]) {
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.numbers = numbers
        self.strings = strings
    }
}

/// Predictions for a batch: one label per row (when the model has a label output) and a
/// row-major `rowCount × scoreWidth` score matrix (probabilities or regression values).
public struct ScoreBatch: Sendable {
    /// Predicted labels, one per row.
    public enum Labels: Sendable, Equatable {
        case none
        case int64([Int64])
        case string([String])
    }

    public var rowCount: Int
    public var labels: Labels
    /// Row-major scores; empty when the model has no score output.
    public var scores: [Float]
    /// Scores per row (number of classes, or 1 for a regressor).
    public var scoreWidth: Int
    /// Column names of the score matrix when known (ZipMap keys), else empty.
    public var scoreNames: [String]

    public init(rowCount: Int, labels: Labels, scores: [Float], scoreWidth: Int, scoreNames: [String] = []) {
        self.rowCount = rowCount
        self.labels = labels
        self.scores = scores
        self.scoreWidth = scoreWidth
        self.scoreNames = scoreNames
    }
}
