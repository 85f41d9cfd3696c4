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

    init(_ model: LoadedModel) {
        self.model = model
        name = model.card.name
        version = model.card.version
        featureNames = model.card.featureNames
        featureCount = featureNames.count
        featureIndex = Dictionary(featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        stringColumns = model.stringFeatureColumns
        classes = model.card.classes
        isClassifier = (model.card.task ?? (model.card.classes == nil ? "regression" : "classification")) == "classification"
    }

    /// The readable label for a predicted class.
    func label(for value: Int64) -> String? {
        guard let classes, value >= 0, value < classes.count else { return nil }
        return classes[Int(value)]
    }
}

/// Every loaded model version, and the default version of each model.
struct ModelSet: Sendable {
    private(set) var versions: [String: [String: ServedModel]] = [:]
    private(set) var defaults: [String: String] = [:]
    let defaultModel: String

    /// Loads every version of every model in `directory`; the default version is the latest, or
    /// `pinned` for the default model.
    init(directory: String, defaultModel: String, pinnedDefaultVersion: String?) throws(ModelError) {
        self.defaultModel = defaultModel
        let store = ModelStore(directory: directory)
        for (name, list) in try store.list() {
            for version in list {
                let loaded = try store.load(name: name, version: version)
                versions[name, default: [:]][version] = ServedModel(loaded)
            }
            if let latest = list.last { defaults[name] = latest }
        }
        guard versions[defaultModel] != nil else {
            throw .store("default model '\(defaultModel)' is not in \(directory) (found: \(versions.keys.sorted().joined(separator: ", ")))")
        }
        if let pinnedDefaultVersion {
            guard versions[defaultModel]?[pinnedDefaultVersion] != nil else {
                throw .store("model '\(defaultModel)' has no version \(pinnedDefaultVersion)")
            }
            defaults[defaultModel] = pinnedDefaultVersion
        }
    }

    /// The model for a record's `model`/`model-version` headers.
    func resolve(name: String?, version: String?) throws(RecordRejection) -> ServedModel {
        let name = name ?? defaultModel
        guard let byVersion = versions[name] else {
            throw RecordRejection(.unknownModel, "model '\(name)' is not loaded")
        }
        let chosen = version ?? defaults[name] ?? ""
        guard let model = byVersion[chosen] else {
            throw RecordRejection(.unknownModel, "model '\(name)' has no version '\(chosen)' loaded")
        }
        return model
    }

    /// Model name → default version, for metrics and the start line.
    var summary: [String: String] { defaults }
}
