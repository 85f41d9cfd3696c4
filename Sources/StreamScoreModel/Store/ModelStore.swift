import Foundation

/// A directory of models laid out as `<root>/<name>/<version>/{model.onnx, card.json}`.
public struct ModelStore: Sendable {
    /// The store's root directory.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Every model name with its complete versions (directories named by a version number holding
    /// both model.onnx and card.json), versions sorted numerically ("2" before "10"). Other
    /// folders, such as the conformance zoo, are not models of the store.
    public func list() throws(ModelError) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for name in try subdirectories(of: directory) {
            let versions = try versions(at: (directory as NSString).appendingPathComponent(name))
            if !versions.isEmpty { result[name] = versions }
        }
        return result
    }

    /// The highest complete version of `name`, or nil when it has none.
    public func latestVersion(of name: String) throws(ModelError) -> String? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try versions(at: path).last
    }

    /// Loads `name` at `version`, or at its latest version when `version` is nil.
    public func load(name: String, version: String? = nil, registry: KernelRegistry = .standard) throws(ModelError) -> LoadedModel {
        guard !name.isEmpty, !name.contains("/"), name != "..", version.map({ !$0.contains("/") && $0 != ".." }) ?? true else {
            throw .store("invalid model name or version '\(name)'\(version.map { " '\($0)'" } ?? "")")
        }
        let latest = version == nil ? try latestVersion(of: name) : nil
        guard let chosen = version ?? latest else {
            throw .store("model '\(name)' has no complete version in '\(directory)'")
        }
        let path = ((directory as NSString).appendingPathComponent(name) as NSString).appendingPathComponent(chosen)
        guard isComplete(path) else {
            throw .store("model '\(name)' version '\(chosen)' not found (needs model.onnx and card.json in '\(path)')")
        }
        return try LoadedModel.load(directory: path, registry: registry)
    }

    /// Orders versions numerically component by component ("1.2" < "1.10" < "2"), falling back
    /// to string order for non-numeric parts.
    public static func versionPrecedes(_ a: String, _ b: String) -> Bool {
        let left = a.split(separator: ".", omittingEmptySubsequences: false)
        let right = b.split(separator: ".", omittingEmptySubsequences: false)
        for (x, y) in zip(left, right) where x != y {
            if let p = Int(x), let q = Int(y) { return p < q }
            if Int(x) != nil { return true }
            if Int(y) != nil { return false }
            return x < y
        }
        return left.count < right.count
    }

    /// A version directory is named by a version number: digits, optionally dotted ("1", "2.1").
    public static func isVersionName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    private func versions(at path: String) throws(ModelError) -> [String] {
        try subdirectories(of: path)
            .filter { Self.isVersionName($0) && isComplete((path as NSString).appendingPathComponent($0)) }
            .sorted(by: Self.versionPrecedes)
    }

    private func isComplete(_ path: String) -> Bool {
        let files = FileManager.default
        return files.fileExists(atPath: (path as NSString).appendingPathComponent("model.onnx"))
            && files.fileExists(atPath: (path as NSString).appendingPathComponent("card.json"))
    }

    private func subdirectories(of path: String) throws(ModelError) -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .store("cannot list '\(path)': \(error.localizedDescription)")
        }
        return entries.filter { entry in
            var isDirectory: ObjCBool = false
            return !entry.hasPrefix(".")
                && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(entry),
                                                  isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }
}
