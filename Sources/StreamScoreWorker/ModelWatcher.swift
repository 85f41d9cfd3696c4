import Foundation
import Logging
import StreamScoreContract
import StreamScoreModel

/// Keeps the registry in step with the model directory: loads new or changed versions, validates
/// them against their card's samples before they may serve, refuses broken ones (the versions
/// already serving stay), and drops versions whose directory disappeared.
///
/// Versions are directories named by a number holding both `model.onnx` and `card.json`. To
/// publish a version atomically, write it under a hidden name (`.tmp-2`) and rename it.
final class ModelWatcher: Sendable {
    /// Something that happened to a version, for the metrics topic and the log.
    struct Event: Sendable, Equatable {
        var kind: ModelEventRecord.Event
        var model: String
        var version: String?
        var reason: String
    }

    private struct Signature: Equatable {
        var modelSize: Int
        var modelModified: Double
        var cardSize: Int
        var cardModified: Double
    }

    private struct Known {
        var signature: Signature
        var loaded: Bool
    }

    let directory: String
    private let registry: ModelRegistry
    private let logger: Logger
    private let known = Locked<[String: Known]>([:])

    init(directory: String, registry: ModelRegistry, logger: Logger) {
        self.directory = directory
        self.registry = registry
        self.logger = logger
    }

    /// Compares the directory with what is loaded and applies the differences.
    /// - Returns: what changed, in order.
    func scan() -> [Event] {
        let onDisk: [String: [String]]
        do {
            onDisk = try ModelStore(directory: directory).list()
        } catch {
            logger.warning("cannot scan the model directory: \(error)")
            return []
        }
        var events: [Event] = []
        var present = Set<String>()
        for (name, versions) in onDisk.sorted(by: { $0.key < $1.key }) {
            for version in versions {
                let key = "\(name)/\(version)"
                present.insert(key)
                let path = "\(directory)/\(name)/\(version)"
                guard let signature = signature(of: path) else { continue }
                if known.withLock({ $0[key]?.signature }) == signature { continue }
                if let event = load(name: name, version: version, path: path, signature: signature, key: key) {
                    events.append(event)
                }
            }
        }
        let vanished = known.withLock { k in k.filter { !present.contains($0.key) } }
        for (key, entry) in vanished.sorted(by: { $0.key < $1.key }) {
            known.withLock { $0[key] = nil }
            guard entry.loaded else { continue }
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            let removed = registry.update { $0.remove(name: parts[0], version: parts[1]) }
            events.append(removed
                ? Event(kind: .removed, model: parts[0], version: parts[1], reason: "its directory was removed")
                : Event(kind: .rejected, model: parts[0], version: parts[1],
                        reason: "its directory was removed, but it is the model's only version, so it keeps serving"))
        }
        return events
    }

    private func load(name: String, version: String, path: String, signature: Signature, key: String) -> Event? {
        let wasLoaded = known.withLock { $0[key]?.loaded ?? false }
        do {
            let model = try LoadedModel.load(directory: path)
            guard model.card.name == name else {
                throw ModelError.validation("card.json names model '\(model.card.name)', but the directory is '\(name)'")
            }
            guard model.card.version == version else {
                throw ModelError.validation("card.json says version '\(model.card.version)', but the directory is '\(version)'")
            }
            let checked = try model.validateSamples()
            registry.update { $0.insert(ServedModel(model)) }
            known.withLock { $0[key] = Known(signature: signature, loaded: true) }
            return Event(kind: .loaded, model: name, version: version,
                         reason: "\(wasLoaded ? "reloaded" : "loaded") from \(path); \(checked) card sample(s) reproduced")
        } catch {
            // A refused version is retried only when its files change.
            known.withLock { $0[key] = Known(signature: signature, loaded: wasLoaded) }
            return Event(kind: .refused, model: name, version: version,
                         reason: "\(error)\(wasLoaded ? "; the previously loaded copy keeps serving" : "")")
        }
    }

    private func signature(of path: String) -> Signature? {
        func stat(_ file: String) -> (Int, Double)? {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(file)") else { return nil }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return (size, modified)
        }
        guard let model = stat("model.onnx"), let card = stat("card.json") else { return nil }
        return Signature(modelSize: model.0, modelModified: model.1, cardSize: card.0, cardModified: card.1)
    }
}
