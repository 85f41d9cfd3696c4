import Foundation
import Logging
import StreamScoreModel
import Synchronization

/// What the gateway knows about one model version, from its card only (no runtime is loaded).
struct ModelInfo: Sendable {
    /// One input tensor of the Open Inference Protocol metadata.
    struct Input: Sendable {
        var name: String
        /// OIP datatype: FP32, FP64, INT64 or BYTES.
        var datatype: String
        /// The card's element type: float32, float64, int64 or string.
        var elementType: String
        var features: [String]
    }

    /// One output tensor of the Open Inference Protocol metadata.
    struct Output: Sendable {
        var name: String
        var datatype: String
        var shape: [Int]
    }

    var name: String
    var version: String
    var card: ModelCard
    var inputs: [Input]
    var outputs: [Output]
    /// Feature names in column order.
    var featureNames: [String]
    /// Column index of each feature name.
    var featureIndex: [String: Int]
    /// Columns whose feature is a string.
    var stringColumns: Set<Int>
    /// `true` when the model predicts a class label (classifiers, clustering, anomaly).
    var hasLabel: Bool
    /// `true` when the model has a score matrix next to its label (probabilities).
    var hasProbabilities: Bool

    init(card: ModelCard) {
        self.card = card
        name = card.name
        version = card.version
        inputs = card.inputs.map { input in
            Input(name: input.name, datatype: Self.datatype(forCardType: input.type), elementType: input.type,
                  features: input.features)
        }
        featureNames = card.featureNames
        var index: [String: Int] = [:]
        for (i, feature) in featureNames.enumerated() where index[feature] == nil { index[feature] = i }
        featureIndex = index
        var strings = Set<Int>()
        var column = 0
        for input in card.inputs {
            for _ in input.features {
                if input.type == "string" { strings.insert(column) }
                column += 1
            }
        }
        stringColumns = strings
        hasLabel = card.outputs.label != nil
        hasProbabilities = card.outputs.label != nil && card.outputs.scores != nil
        var outputs: [Output] = []
        if hasLabel {
            let stringLabels = card.samples?.contains { if case .string = $0.label { true } else { false } } ?? false
            outputs.append(Output(name: "label", datatype: stringLabels ? "BYTES" : "INT64", shape: [-1]))
            if hasProbabilities {
                outputs.append(Output(name: "probabilities", datatype: "FP32", shape: [-1, card.classes?.count ?? -1]))
            }
        } else {
            outputs.append(Output(name: "variable", datatype: "FP32", shape: [-1, 1]))
        }
        self.outputs = outputs
    }

    static func datatype(forCardType type: String) -> String {
        switch type {
        case "float32", "float": "FP32"
        case "float64", "double": "FP64"
        case "int64": "INT64"
        case "int32": "INT32"
        case "string": "BYTES"
        case "bool": "BOOL"
        default: type.uppercased()
        }
    }
}

/// The model cards under the models directory, rescanned (at most once a second) when a request
/// names a model or version it does not know yet, so newly deployed versions appear by themselves.
final class ModelCatalog: Sendable {
    private struct State {
        var models: [String: [String: ModelInfo]] = [:]
        /// Versions per model, oldest first.
        var versions: [String: [String]] = [:]
        var lastScan: ContinuousClock.Instant?
    }

    let directory: String
    private let logger: Logger
    private let state = Mutex(State())

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
        rescan(force: true)
    }

    /// Reads every card again (unless the last scan was less than a second ago).
    func rescan(force: Bool = false) {
        let now = ContinuousClock.now
        let due = state.withLock { s -> Bool in
            if !force, let last = s.lastScan, now - last < .seconds(1) { return false }
            s.lastScan = now
            return true
        }
        guard due else { return }
        let store = ModelStore(directory: directory)
        var models: [String: [String: ModelInfo]] = [:]
        var versions: [String: [String]] = [:]
        do {
            for (name, list) in try store.list() {
                for version in list {
                    let path = "\(directory)/\(name)/\(version)/card.json"
                    do {
                        let card = try LoadedModel.readCard(at: path)
                        models[name, default: [:]][version] = ModelInfo(card: card)
                        versions[name, default: []].append(version)
                    } catch {
                        logger.warning("skipping model card", metadata: ["path": "\(path)", "error": "\(error)"])
                    }
                }
            }
        } catch {
            logger.warning("cannot list models", metadata: ["directory": "\(directory)", "error": "\(error)"])
        }
        state.withLock { s in
            s.models = models
            s.versions = versions
        }
    }

    /// All model names with their versions, oldest first.
    var all: [String: [String]] {
        state.withLock { $0.versions }
    }

    /// The versions of `name`, oldest first; rescans once when unknown.
    func versions(of name: String) -> [String]? {
        if let found = state.withLock({ $0.versions[name] }) { return found }
        rescan()
        return state.withLock { $0.versions[name] }
    }

    /// The model `name` at `version`, or at its latest version.
    /// - Throws: a 404 ``GatewayError`` naming what is missing.
    func lookup(_ name: String, version: String?) throws(GatewayError) -> ModelInfo {
        if let found = find(name, version) { return found }
        rescan()
        if let found = find(name, version) { return found }
        let known = state.withLock { $0.versions[name] }
        guard let known else {
            let names = all.keys.sorted()
            throw .notFound("unknown model '\(name)'" + (names.isEmpty ? "" : " (available: \(names.joined(separator: ", ")))"))
        }
        throw .notFound("model '\(name)' has no version '\(version ?? "")' (available: \(known.joined(separator: ", ")))")
    }

    private func find(_ name: String, _ version: String?) -> ModelInfo? {
        state.withLock { s in
            guard let byVersion = s.models[name] else { return nil }
            if let version { return byVersion[version] }
            guard let latest = s.versions[name]?.last else { return nil }
            return byVersion[latest]
        }
    }
}
