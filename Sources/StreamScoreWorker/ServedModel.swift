import StreamScoreContract
import StreamScoreModel

/// A loaded model plus what the hot path needs precomputed: feature positions by name, which
/// features are strings, and the label names.
final class ServedModel: Sendable {
    let model: LoadedModel
    let name: String
    let version: String
    let featureCount: Int
    let featureNames: [String]
    let featureIndex: [String: Int]
    let stringColumns: Set<Int>
    let classes: [String]?
    let isClassifier: Bool
    /// How drift monitoring bins this model's features; `nil` without a baseline in the card.
    let driftPlan: DriftMonitor.Plan?
    /// `,"model":"<name>","model_version":"<version>"`, as every prediction carries it.
    let encodedIdentity: [UInt8]
    /// Each class label as a JSON string.
    let encodedClasses: [[UInt8]]?

    init(_ model: LoadedModel) {
        self.model = model
        name = model.card.name
        version = model.card.version
        featureNames = model.card.featureNames
        featureCount = featureNames.count
        featureIndex = Dictionary(featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        stringColumns = model.stringFeatureColumns
        classes = model.card.classes
        driftPlan = DriftMonitor.plan(for: model.card, stringColumns: model.stringFeatureColumns)
        var identity = JSONWriter(capacity: 64)
        identity.raw(",\"model\":")
        identity.string(name)
        identity.raw(",\"model_version\":")
        identity.string(version)
        encodedIdentity = identity.bytes
        encodedClasses = classes?.map { label in
            var w = JSONWriter(capacity: label.utf8.count + 2)
            w.string(label)
            return w.bytes
        }
        isClassifier = (model.card.task ?? (model.card.classes == nil ? "regression" : "classification")) == "classification"
    }

    /// The label for a predicted class as a JSON string.
    func encodedLabel(for value: Int64) -> [UInt8]? {
        guard let encodedClasses, value >= 0, value < encodedClasses.count else { return nil }
        return encodedClasses[Int(value)]
    }
}
