import StreamScoreContract
import StreamScoreModel

/// Which models score a record: the primary one, and a shadow one whose prediction goes to the
/// shadow topic only.
struct ModelRoute: Sendable {
    var model: ServedModel
    var shadow: ServedModel?
}

/// An immutable snapshot of every loaded version and how each model routes records. A batch
/// takes one snapshot and finishes on it, so a swap never changes a batch in flight.
struct ModelSet: Sendable {
    /// Model name → version → model.
    private(set) var versions: [String: [String: ServedModel]] = [:]
    private(set) var policies: [String: RoutingPolicy] = [:]
    let defaultModel: String
    /// Per model, precomputed for the hot path.
    private var routes: [String: Routes] = [:] {
        didSet { defaultRoutes = routes[defaultModel] }
    }
    /// The default model's routes: most records name no model, and skip the lookup.
    private var defaultRoutes: Routes?

    private struct Routes: Sendable {
        var serving: ServedModel
        var canary: (model: ServedModel, percent: Double)?
        var shadow: ServedModel?
    }

    init(defaultModel: String) {
        self.defaultModel = defaultModel
    }

    /// Loaded versions of `name`, oldest first.
    func orderedVersions(of name: String) -> [String] {
        (versions[name] ?? [:]).keys.sorted(by: ModelStore.versionPrecedes)
    }

    /// Adds or replaces a version.
    mutating func insert(_ model: ServedModel) {
        versions[model.name, default: [:]][model.version] = model
        rebuild(model.name)
    }

    /// Removes a version; returns `false` when it is the model's last one (it keeps serving).
    @discardableResult
    mutating func remove(name: String, version: String) -> Bool {
        guard let byVersion = versions[name], byVersion[version] != nil, byVersion.count > 1 else { return false }
        versions[name]![version] = nil
        rebuild(name)
        return true
    }

    /// Sets a model's routing policy (for a model that is not loaded yet, it applies once it is).
    mutating func setPolicy(_ policy: RoutingPolicy, for name: String) {
        policies[name] = policy
        rebuild(name)
    }

    func policy(for name: String) -> RoutingPolicy { policies[name] ?? RoutingPolicy() }

    private mutating func rebuild(_ name: String) {
        let ordered = orderedVersions(of: name)
        guard !ordered.isEmpty, let byVersion = versions[name] else {
            routes[name] = nil
            return
        }
        let policy = self.policy(for: name)
        var r = Routes(serving: byVersion[policy.servingVersion(among: ordered)]!)
        if let canary = policy.canary, let model = byVersion[canary.version], model !== r.serving {
            r.canary = (model, canary.percent)
        }
        if let shadow = policy.shadow, let model = byVersion[shadow], model !== r.serving {
            r.shadow = model
        }
        routes[name] = r
    }

    /// The models for a record's `model` / `model-version` headers and key. An explicit version
    /// bypasses canary and shadow.
    func resolve(name: String?, version: String?, key: ArraySlice<UInt8>?, fallbackKey: Int64) throws(RecordRejection) -> ModelRoute {
        let name = name ?? defaultModel
        guard let r = name == defaultModel ? defaultRoutes : routes[name] else {
            throw RecordRejection(.unknownModel, "model '\(name)' is not loaded")
        }
        if let version {
            guard let model = versions[name]?[version] else {
                throw RecordRejection(.unknownModel, "model '\(name)' has no version '\(version)' loaded (loaded: \(orderedVersions(of: name).joined(separator: ", ")))")
            }
            return ModelRoute(model: model)
        }
        if let canary = r.canary,
           CanaryBucket.isCanary(bucket: CanaryBucket.bucket(key: key, fallback: fallbackKey), percent: canary.percent) {
            return ModelRoute(model: canary.model, shadow: r.shadow === canary.model ? nil : r.shadow)
        }
        return ModelRoute(model: r.serving, shadow: r.shadow)
    }

    /// The route of every record that names no model or version, when it does not depend on the
    /// record's key (no canary on the default model); `nil` otherwise.
    var fixedDefaultRoute: ModelRoute? {
        guard let r = defaultRoutes, r.canary == nil else { return nil }
        return ModelRoute(model: r.serving, shadow: r.shadow)
    }

    /// Model name → version served by default.
    var summary: [String: String] { routes.mapValues(\.serving.version) }

    /// Model name → the routing reported in metrics records.
    var routing: [String: ModelRouting] {
        var out: [String: ModelRouting] = [:]
        for (name, r) in routes {
            let policy = self.policy(for: name)
            let ordered = orderedVersions(of: name)
            out[name] = ModelRouting(serving: r.serving.version, latest: ordered.last ?? r.serving.version,
                                     versions: ordered, pinned: policy.pinned, rolledBack: policy.serve == .previous,
                                     canary: r.canary.map { .init(version: $0.model.version, percent: $0.percent) },
                                     shadow: r.shadow?.version)
        }
        return out
    }
}
